module Ability::User
  def initialize(user)
    super(user)

    can :show, ::User do |u|
      user.is_logged_in? && u.deactivated_at.nil?
    end

    can [:update, :deactivate], ::User do |u|
      u == user
    end
  end
end
