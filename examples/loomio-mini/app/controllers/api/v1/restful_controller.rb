class API::V1::RestfulController < API::V1::SnorlaxBase
  include ::LoadAndAuthorize
  include ::CurrentUserHelper

  private

  def require_current_user
    render(json: {error: 'you gotta be signed in'}, root: false, status: 401) unless current_user.is_logged_in?
  end
end
