# Permit lists per model kind; a key outside the list answers 400 (unpermitted parameter).
class PermittedParams < Struct.new(:params)
  MODELS = %w(user group membership discussion comment poll stance outcome)

  MODELS.each do |kind|
    define_method(kind) do
      params.require(kind).permit(*send("#{kind}_attributes"))
    end
  end

  def user_attributes
    [:name, :username, :email, :password, :short_bio, :short_bio_format, :location, :time_zone,
     :selected_locale, :email_when_mentioned, :email_catch_up_day, :default_membership_volume]
  end

  def group_attributes
    [:parent_id, :name, :handle, :description, :description_format, :group_privacy,
     :discussion_privacy_options, :members_can_start_discussions, :members_can_add_members,
     :new_threads_max_depth, :new_threads_newest_first, {link_previews: []}, {files: []}]
  end

  def membership_attributes
    [:volume, :title]
  end

  def discussion_attributes
    [:title, :description, :description_format, :group_id, :private, :newest_first, :max_depth,
     :recipient_message, {tags: []}, {recipient_user_ids: []}, {recipient_emails: []}]
  end

  def comment_attributes
    [:body, :body_format, :discussion_id, :parent_id, :parent_type, {files: []}]
  end

  def poll_attributes
    [:title, :details, :details_format, :poll_type, :discussion_id, :group_id, :closing_at,
     :anonymous, :hide_results, :specified_voters_only, :notify_on_closing_soon,
     :stance_reason_required, :shuffle_options, :min_score, :max_score, :dots_per_person,
     {options: []}, {tags: []}]
  end

  def stance_attributes
    [:poll_id, :reason, :reason_format, :none_of_the_above,
     {stance_choices_attributes: [:score, :poll_option_id]}]
  end

  def outcome_attributes
    [:poll_id, :statement, :statement_format, :poll_option_id, :review_on, :event_summary,
     :event_location]
  end
end
