class CommentService
  def self.create(comment:, actor:)
    actor.ability.authorize!(:create, comment)
    comment.author = actor
    return false unless comment.valid?
    comment.save!
    Events::NewComment.publish!(comment)
  end

  def self.update(comment:, params:, actor:)
    actor.ability.authorize!(:update, comment)
    comment.assign_attributes(params)
    return false unless comment.valid?
    comment.save!
    Events::CommentEdited.publish!(comment, actor)
  end

  def self.discard(comment:, actor:)
    actor.ability.authorize!(:discard, comment)
    ActiveRecord::Base.transaction do
      comment.update(discarded_at: Time.now, discarded_by: actor.id)
      comment.created_event.update(user_id: nil, pinned: false)
    end
    comment.created_event
  end

  def self.destroy(comment:, actor:)
    actor.ability.authorize!(:destroy, comment)
    comment.destroy
  end
end
