class API::V1::PollsController < API::V1::RestfulController
  def show
    self.resource = load_and_authorize(:poll)
    respond_with_resource
  end

  def close
    @event = service.close(poll: load_resource, actor: current_user)
    respond_with_resource
  end

  def reopen
    @event = service.reopen(poll: load_resource, params: resource_params, actor: current_user)
    respond_with_resource
  end

  def discard
    load_resource
    @event = service.discard(poll: resource, actor: current_user)
    respond_with_resource
  end

  private

  def create_action
    @event = service.create(poll: resource, actor: current_user, params: resource_params)
  end
end
