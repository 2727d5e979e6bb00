class API::V1::GroupsController < API::V1::RestfulController
  def show
    self.resource = load_and_authorize(:group)
    respond_with_resource
  end

  def subgroups
    self.collection = load_and_authorize(:group).subgroups.select { |g| current_user.can?(:show, g) }
    respond_with_collection
  end

  private

  def accessible_records
    GroupQuery.visible_to(user: current_user)
  end
end
