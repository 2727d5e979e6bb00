# Readers and writers of keys kept in the `custom_fields` jsonb column: nil when unset.
module HasCustomFields
  def set_custom_fields(*fields)
    fields.each do |field|
      define_method field,        ->        { self[:custom_fields][field] }
      define_method :"#{field}=", ->(value) { self[:custom_fields][field] = value }
    end
  end
end
