class DiscussionService
  def self.create(discussion:, actor:, params: {})
    actor.ability.authorize!(:create, discussion)
    discussion.author = actor
    return false unless discussion.valid?
    discussion.save!
    Events::NewDiscussion.publish!(discussion: discussion, recipient_user_ids: params[:recipient_user_ids])
  end

  def self.update(discussion:, actor:, params:)
    actor.ability.authorize!(:update, discussion)
    discussion.assign_attributes(params)
    return false unless discussion.valid?
    discussion.save!
    Events::DiscussionEdited.publish!(discussion: discussion, actor: actor)
  end

  def self.close(discussion:, actor:)
    actor.ability.authorize!(:update, discussion)
    discussion.update(closed_at: Time.now, closer_id: actor.id)
  end

  def self.reopen(discussion:, actor:)
    actor.ability.authorize!(:update, discussion)
    discussion.update(closed_at: nil, closer_id: nil)
  end

  def self.pin(discussion:, actor:)
    actor.ability.authorize!(:pin, discussion)
    discussion.update(pinned_at: Time.now)
  end

  def self.unpin(discussion:, actor:)
    actor.ability.authorize!(:pin, discussion)
    discussion.update(pinned_at: nil)
  end

  def self.discard(discussion:, actor:)
    actor.ability.authorize!(:discard, discussion)
    discussion.update(discarded_at: Time.now, discarded_by: actor.id)
    discussion.created_event
  end

  # the reader's last_read_at moves; the thread is published to the group's room
  def self.mark_as_seen(discussion:, actor:)
    actor.ability.authorize!(:mark_as_seen, discussion)
    DiscussionReader.for_model(discussion, actor).viewed!
  end
end
