class PollService
  def self.create(poll:, actor:, params: {})
    actor.ability.authorize!(:create, poll)
    poll.author = actor
    return false unless poll.valid?
    poll.save!
    Events::PollCreated.publish!(poll, actor)
  end

  def self.update(poll:, params:, actor:)
    actor.ability.authorize!(:update, poll)
    poll.assign_attributes(params)
    return false unless poll.valid?
    poll.save!
    Events::PollEdited.publish!(poll, actor)
  end

  def self.close(poll:, actor:)
    actor.ability.authorize!(:close, poll)
    poll.update(closed_at: Time.now)
    Events::PollClosedByUser.publish!(poll, actor)
  end

  def self.reopen(poll:, params:, actor:)
    actor.ability.authorize!(:reopen, poll)
    poll.update(closed_at: nil, closing_at: params[:closing_at])
    Events::PollReopened.publish!(poll, actor)
  end

  def self.discard(poll:, actor:)
    actor.ability.authorize!(:destroy, poll)
    poll.update(discarded_at: Time.now, discarded_by: actor.id)
    poll.created_event
  end
end
