class API::V1::ProfileController < API::V1::RestfulController
  def me
    raise CanCan::AccessDenied.new unless current_user.is_logged_in?
    self.resource = current_user
    respond_with_resource serializer: UserSerializer, root: :users
  end

  private

  def resource_class
    User
  end
end
