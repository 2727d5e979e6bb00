class Pending::MembershipSerializer < Pending::BaseSerializer
  attributes :token, :inviter_id

  def include_avatar_initials?
    user.name.present?
  end
end
