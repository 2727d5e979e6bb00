class OutcomeService
  def self.create(outcome:, actor:, params: {})
    actor.ability.authorize!(:create, outcome)
    outcome.author = actor
    return false unless outcome.valid?
    outcome.save!
    Events::OutcomeCreated.publish!(outcome: outcome, recipient_user_ids: params[:recipient_user_ids])
  end

  def self.update(outcome:, params:, actor:)
    actor.ability.authorize!(:update, outcome)
    outcome.assign_attributes(params)
    outcome.save!
    Events::OutcomeUpdated.publish!(outcome: outcome, actor: actor)
  end
end
