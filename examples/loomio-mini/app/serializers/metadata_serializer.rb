# Meta tags for link unfurling: a bare hash, no root wrapper.
class MetadataSerializer < ActiveModel::Serializer
  root false
  include EmailHelper
end
