class GroupService
  def self.create(group:, actor:)
    actor.ability.authorize!(:create, group)
    return false unless group.valid?
    group.save!
    group.add_admin!(actor)
  end

  def self.update(group:, params:, actor:)
    actor.ability.authorize!(:update, group)
    group.assign_attributes(params)
    group.save!
  end
end
