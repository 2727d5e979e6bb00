class StanceService
  def self.create(stance:, actor:)
    actor.ability.authorize!(:vote_in, stance.poll)
    stance.participant = actor
    stance.cast_at = Time.zone.now
    stance.save!
    Events::StanceCreated.publish!(stance)
  end

  def self.update(stance:, actor:, params:)
    actor.ability.authorize!(:update, stance)
    stance.assign_attributes(params)
    stance.save!
    Events::StanceUpdated.publish!(stance)
  end

  def self.uncast(stance:, actor:)
    actor.ability.authorize!(:uncast, stance)
    stance.update(cast_at: nil, option_scores: {})
  end
end
