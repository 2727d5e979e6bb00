class Outcome < ApplicationRecord
  extend HasCustomFields

  belongs_to :poll
  set_custom_fields :event_summary, :event_description, :event_location
end
