module Ability::Group
  def initialize(user)
    super(user)

    can :show, ::Group do |group|
      return false if group.archived_at
      group.is_visible_to_public? ||
        group.members.exists?(user.id) ||
        (group.is_visible_to_parent_members? && user_is_member_of?(group.parent_id)) ||
        (user.group_token.present? && user.group_token == group.token)
    end

    can [:see_private_content], ::Group do |group|
      !group.archived_at and (
        group.group_privacy == 'open' or
        group.members.exists?(user.id) or
        (group.is_visible_to_parent_members? and group.parent_or_self.members.exists?(user.id))
      )
    end

    can [:update, :export], ::Group do |group|
      group.admins.exists?(user.id)
    end

    can [:add_members, :manage_membership_requests], ::Group do |group|
      user.is_admin ||
        group.admins.exists?(user.id) ||
        (group.members_can_add_members? && group.members.exists?(user.id))
    end

    can :create, ::Group do |group|
      if group.parent_id
        user_is_admin_of?(group.parent_id) ||
          (user_is_member_of?(group.parent_id) && group.parent.members_can_create_subgroups?)
      else
        user.email_verified?
      end
    end
  end
end
