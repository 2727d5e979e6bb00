# Generic REST actions and the side-loading envelope every API controller answers with.
class API::V1::SnorlaxBase < ActionController::Base
  rescue_from(CanCan::AccessDenied)                    { |e| respond_with_standard_error e, 403 }
  rescue_from(ActionController::UnpermittedParameters) { |e| respond_with_standard_error e, 400 }
  rescue_from(ActionController::ParameterMissing)      { |e| respond_with_standard_error e, 400 }
  rescue_from(ActiveRecord::RecordNotFound)            { |e| respond_with_standard_error e, 404 }
  rescue_from(ActiveRecord::RecordInvalid)             { |e| respond_with_errors }

  def show
    load_resource
    respond_with_resource
  end

  def index
    instantiate_collection
    respond_with_collection
  end

  def create
    instantiate_resource
    create_action
    respond_with_resource
  end

  def update
    load_resource
    update_action
    respond_with_resource
  end

  def destroy
    load_resource
    destroy_action
    destroy_response
  end

  private

  def load_resource
    self.resource = resource_class.find(params[:id])
  end

  def instantiate_resource
    self.resource = resource_class.new(resource_params)
  end

  def create_action
    @event = service.create(**{resource_symbol => resource, actor: current_user})
  end

  def update_action
    @event = service.update(**{resource_symbol => resource, params: resource_params, actor: current_user})
  end

  def destroy_action
    service.destroy(**{resource_symbol => resource, actor: current_user})
  end

  def destroy_response
    success_response
  end

  def respond_with_resource(scope: default_scope, serializer: serializer_class, root: serializer_root)
    if resource.errors.empty?
      respond_with_collection(scope: scope, serializer: serializer, root: root)
    else
      respond_with_errors
    end
  end

  def respond_with_collection(scope: default_scope, serializer: serializer_class, root: serializer_root)
    render json: records_to_serialize, scope: scope, each_serializer: serializer, root: root,
           meta: {root: root, total: @collection_count}
  end

  def records_to_serialize
    @event.is_a?(Event) ? [@event] : (collection || Array(resource))
  end

  def serializer_class
    record = records_to_serialize.first
    record.nil? || record.is_a?(Event) ? EventSerializer : "#{record.class}Serializer".constantize
  end

  def serializer_root
    record = records_to_serialize.first
    return controller_name if record.nil?
    record.is_a?(Event) ? 'events' : record.class.to_s.underscore.pluralize
  end

  def success_response
    render json: {success: 'success'}
  end

  def respond_with_standard_error(error, status)
    render json: {exception: error.class.to_s, error: error.to_s}, root: false, status: status
  end

  def respond_with_errors
    render json: {errors: resource.errors.as_json}, root: false, status: 422
  end

  def service
    "#{resource_name}_service".camelize.constantize
  end

  def resource_name
    controller_name.singularize
  end

  def resource_symbol
    resource_name.to_sym
  end

  def resource_class
    resource_name.camelize.constantize
  end

  def resource_params
    PermittedParams.new(params).send(resource_name)
  end

  def collection
    instance_variable_get(:"@#{resource_name.pluralize}")
  end

  def resource
    instance_variable_get(:"@#{resource_name}")
  end

  def resource=(value)
    instance_variable_set(:"@#{resource_name}", value)
  end

  def collection=(value)
    instance_variable_set(:"@#{resource_name.pluralize}", value)
  end

  def instantiate_collection
    records = accessible_records
    records = yield records if block_given?
    @collection_count = records.count
    self.collection = records.offset(params[:from].to_i).limit((params[:per] || 50).to_i)
  end

  def default_scope
    {current_user_id: current_user.id, exclude_types: params[:exclude_types].to_s.split(' ')}
  end
end
