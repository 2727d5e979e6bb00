module Ability::Stance
  def initialize(user)
    super(user)

    can :create, ::Stance do |stance|
      user.can? :vote_in, stance.poll
    end

    can :update, ::Stance do |stance|
      can?(:vote_in, stance.poll) && stance.real_participant == user && stance.latest?
    end

    can :uncast, ::Stance do |stance|
      can?(:update, stance) && stance.cast_at.present?
    end

    can :show, ::Stance, revoked_at: nil
  end
end
