class OutcomeSerializer < ApplicationSerializer
  attributes :id, :statement, :statement_format, :content_locale, :latest, :created_at,
             :event_summary, :event_location, :attachments, :link_previews, :review_on,
             :poll_id, :poll_option_id, :group_id, :author_id, :versions_count

  has_one :author, serializer: AuthorSerializer, root: :users
  has_one :poll, serializer: PollSerializer, root: :polls

  def group_id
    object.poll.group_id
  end
end
