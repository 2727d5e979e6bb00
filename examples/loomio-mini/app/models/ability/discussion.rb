module Ability::Discussion
  def initialize(user)
    super(user)

    can [:show, :print], ::Discussion do |discussion|
      DiscussionQuery.visible_to(user: user).exists?(discussion.id)
    end

    can :create, ::Discussion do |discussion|
      user.email_verified? && (
        (discussion.group.blank? && user.group_ids.any?) ||
        discussion.group.admins.exists?(user.id) ||
        (discussion.group.members_can_start_discussions && discussion.group.members.exists?(user.id))
      )
    end

    # closing and reopening are edits of the thread (alias update_thread in Base)
    can [:update, :update_thread, :pin, :unpin], ::Discussion do |discussion|
      discussion.discarded_at.nil? && (
        discussion.author == user ||
        discussion.admins.exists?(user.id) ||
        (discussion.group.members_can_edit_discussions && discussion.members.exists?(user.id))
      )
    end

    can :discard, ::Discussion do |discussion|
      discussion.discarded_at.nil? and (discussion.author == user or discussion.admins.exists?(user.id))
    end

    can :add_guests, ::Discussion do |discussion|
      if discussion.group_id
        Subscription.for(discussion.group).allow_guests &&
          (discussion.group.admins.exists?(user.id) ||
           (discussion.group.members_can_add_guests && discussion.members.exists?(user.id)))
      else
        discussion.admins.exists?(user.id)
      end
    end

    # marking a thread seen: any signed-in user who may read it
    can :mark_as_seen, ::Discussion do |discussion|
      user.is_logged_in? and can?(:show, discussion)
    end
  end
end
