module Ability::Comment
  def initialize(user)
    super(user)

    can :create, ::Comment do |comment|
      thread = comment.discussion
      thread && !thread.closed_at && thread.members.exists?(user.id)
    end

    can :update, ::Comment do |comment|
      return false if comment.discussion.closed_at
      (comment.author == user && comment.discussion.members.exists?(user.id) && comment.group.members_can_edit_comments) ||
        (comment.discussion.admins.exists?(user.id) && comment.group.admins_can_edit_user_content)
    end

    can [:discard, :undiscard], ::Comment do |comment|
      not comment.discussion.closed_at and
        ((comment.author == user and comment.discussion.members.exists?(user.id)) or
         comment.discussion.admins.exists?(user.id))
    end

    # a comment with replies is never hard-deleted
    can :destroy, ::Comment do |comment|
      !comment.discussion.closed_at &&
        Comment.where(parent_id: comment.id).none? &&
        (comment.discussion.admins.exists?(user.id) ||
         (comment.author == user && comment.discussion.members.exists?(user.id) && comment.group.members_can_delete_comments))
    end

    can :show, ::Comment do |comment|
      can?(:show, comment.discussion) && comment.kept?
    end

    # a kept comment has nothing to undiscard, whoever asks
    cannot :undiscard, ::Comment do |comment|
      comment.discarded_at.nil?
    end
  end
end
