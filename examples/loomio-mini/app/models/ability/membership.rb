module Ability::Membership
  def initialize(user)
    super(user)

    can [:update], ::Membership do |membership|
      membership.user_id == user.id || membership.group.admins.exists?(user.id)
    end

    can [:make_admin], ::Membership do |membership|
      membership.group.admins.exists?(user.id) ||
        (membership.user == user && membership.group.admin_memberships.count == 0)
    end

    can [:remove_admin, :revoke], ::Membership do |membership|
      user.is_admin ||
        membership.user == user ||
        user_is_admin_of?(membership.group_id) ||
        (membership.inviter == user && !membership.accepted_at?)
    end
  end
end
