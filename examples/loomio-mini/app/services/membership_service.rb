class MembershipService
  def self.make_admin(membership:, actor:)
    actor.ability.authorize!(:make_admin, membership)
    membership.update(admin: true)
  end

  def self.remove_admin(membership:, actor:)
    actor.ability.authorize!(:remove_admin, membership)
    membership.update(admin: false)
  end

  def self.revoke(membership:, actor:)
    actor.ability.authorize!(:revoke, membership)
    membership.update(revoked_at: Time.zone.now, revoker_id: actor.id)
  end
end
