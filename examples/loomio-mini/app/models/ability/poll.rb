module Ability::Poll
  def initialize(user)
    super(user)

    can :show, ::Poll do |poll|
      PollQuery.visible_to(user: user).exists?(poll.id)
    end

    can :vote_in, ::Poll do |poll|
      user.is_logged_in? && poll.active? && (
        poll.unmasked_voters.exists?(user.id) ||
        (!poll.specified_voters_only && poll.members.exists?(user.id))
      )
    end

    can :create, ::Poll do |poll|
      return false unless poll.discussion_id.nil? || !poll.discussion.closed_at
      if poll.group_id
        poll.group.admins.exists?(user.id) ||
          (poll.group.members_can_raise_motions && (poll.group.members.exists?(user.id) || poll.discussion.guests.exists?(user.id)))
      else
        poll.discussion.members.exists?(user.id)
      end
    end

    can [:update, :destroy], ::Poll do |poll|
      (poll.discussion_id.blank? || !poll.discussion.closed_at) && poll.admins.exists?(user.id)
    end

    can :close, ::Poll do |poll|
      poll.active? && poll.admins.exists?(user.id)
    end

    can :reopen, ::Poll do |poll|
      poll.closed? && !poll.anonymous && can?(:update, poll)
    end
  end
end
