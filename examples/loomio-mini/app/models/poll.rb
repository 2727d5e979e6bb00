class Poll < ApplicationRecord
  include Discard::Model
  extend HasCustomFields

  enum notify_on_closing_soon: {nobody: 0, author: 1, undecided_voters: 2, voters: 3}
  enum hide_results: {off: 0, until_vote: 1, until_closed: 2}
  enum stance_reason_required: {disabled: 0, optional: 1, required: 2}

  belongs_to :discussion, optional: true
  has_many :poll_options, -> { order(priority: :asc) }
  has_many :stances

  set_custom_fields :meeting_duration, :time_zone, :can_respond_maybe

  def total_score
    stance_counts.sum
  end
end
