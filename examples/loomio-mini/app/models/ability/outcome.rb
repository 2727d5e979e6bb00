module Ability::Outcome
  def initialize(user)
    super(user)

    can [:create, :update], ::Outcome do |outcome|
      !outcome.poll.active? && (
        outcome.admins.exists?(user.id) ||
        (outcome.group.members_can_edit_discussions && outcome.members.exists?(user.id))
      )
    end
  end
end
