class API::V1::MembershipsController < API::V1::RestfulController
  def index
    instantiate_collection { |collection| collection.where(group_id: load_and_authorize(:group, :see_private_content).id) }
    respond_with_collection scope: default_scope.merge(current_user_is_admin: @group.admins.include?(current_user))
  end

  def make_admin
    service.make_admin(membership: load_resource, actor: current_user)
    respond_with_resource
  end

  def remove_admin
    service.remove_admin(membership: load_resource, actor: current_user)
    respond_with_resource
  end

  private

  def destroy_action
    service.revoke(membership: resource, actor: current_user)
  end

  # Answers with the group the membership belonged to.
  def destroy_response
    render json: Array(resource.group), each_serializer: GroupSerializer, root: :groups, scope: {}
  end

  def accessible_records
    MembershipQuery.visible_to(user: current_user)
  end
end
