class API::V1::DiscussionsController < API::V1::RestfulController
  def show
    load_and_authorize(:discussion)
    respond_with_resource
  end

  def index
    instantiate_collection { |collection| DiscussionQuery.filter(chain: collection, filter: params[:filter]) }
    respond_with_collection
  end

  def close
    @event = service.close(discussion: load_resource, actor: current_user)
    respond_with_resource
  end

  def reopen
    @event = service.reopen(discussion: load_resource, actor: current_user)
    respond_with_resource
  end

  def pin
    service.pin(discussion: load_resource, actor: current_user)
    respond_with_resource
  end

  def unpin
    service.unpin(discussion: load_resource, actor: current_user)
    respond_with_resource
  end

  def discard
    service.discard(discussion: load_resource, actor: current_user)
    respond_with_resource
  end

  def mark_as_seen
    service.mark_as_seen(discussion: load_resource, actor: current_user)
    render json: {}
  end

  private

  def create_action
    @event = service.create(discussion: resource, actor: current_user, params: resource_params)
  end

  def accessible_records
    DiscussionQuery.visible_to(user: current_user, group_ids: Array(params[:group_id]))
  end
end
