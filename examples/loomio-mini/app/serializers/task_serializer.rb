class TaskSerializer < ApplicationSerializer
  attributes :id, :name, :done, :done_at, :record_type, :record_id

  has_one :record, polymorphic: true, key: 'record_obj'
  has_one :author, serializer: AuthorSerializer, root: :users

  def record
    object.record if %w[Comment Discussion Poll].include?(object.record_type)
  end
end
