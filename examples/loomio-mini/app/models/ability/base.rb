# The ability of one user: every Ability::* module is prepended, so each module's
# initialize runs after Base's and adds its rules (a later rule wins in CanCan).
module Ability
  class Base
    include CanCan::Ability
    prepend Ability::Group
    prepend Ability::Membership
    prepend Ability::Discussion
    prepend Ability::Event
    prepend Ability::Comment
    prepend Ability::Poll
    prepend Ability::Stance
    prepend Ability::Outcome
    prepend Ability::User

    def initialize(user)
      @user = user
      alias_action :close, :reopen, to: :update_thread
    end

    private

    def user_is_member_of?(group_id)
      @user.memberships.find_by(group_id: group_id)
    end

    def user_is_admin_of?(group_id)
      @user.admin_memberships.find_by(group_id: group_id)
    end

    def user_is_author_of?(object)
      @user.is_logged_in? && @user.id == object.author_id
    end
  end
end
