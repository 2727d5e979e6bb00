class DiscussionSerializer < ApplicationSerializer
  # Fields read from the caller's DiscussionReader row; absent for visitors.
  def self.attributes_from_reader(*fields)
    fields.each do |field|
      if field == :discussion_reader_id
        define_method(field) { reader.id }
      else
        define_method(field) { reader.send(field) }
      end
      define_method(:"include_#{field}?") { reader.present? }
    end
    attributes(*fields)
  end

  attributes :id, :key, :group_id, :title, :tags, :content_locale, :description,
             :description_format, :discussion_template_id, :ranges, :items_count,
             :last_comment_at, :last_activity_at, :closed_at, :closer_id, :seen_by_count,
             :members_count, :created_at, :updated_at, :private, :versions_count,
             :pinned_at, :attachments, :link_previews, :mentioned_usernames, :newest_first,
             :max_depth, :discarded_at

  attributes_from_reader :discussion_reader_id, :discussion_reader_volume, :discussion_reader_user_id, :last_read_at, :dismissed_at, :read_ranges, :revoked_at, :inviter_id, :guest, :admin

  has_one :author, serializer: AuthorSerializer, root: :users
  has_one :group, serializer: GroupSerializer, root: :groups
  has_many :active_polls, serializer: PollSerializer, root: :polls
  has_one :created_event, serializer: EventSerializer, root: :events
  has_one :forked_event, serializer: EventSerializer, root: :events
  has_one :closer, serializer: AuthorSerializer, root: :users

  hide_when_discarded [:title, :description]

  def active_polls
    cache_fetch(:polls_by_discussion_id, object.id) { [] }
  end

  def created_event
    cache_fetch(:created_events_by_discussion_id, object.id) { object.created_event }
  end

  def forked_event
    nil
  end

  def reader
    return nil unless scope[:current_user_id]
    cache_fetch(:readers_by_discussion_id, object.id) do
      DiscussionReader.find_or_initialize_by(user_id: scope[:current_user_id], discussion_id: object.id)
    end
  end

  def include_closer?
    object.closer_id.present?
  end

  def include_mentioned_usernames?
    object.description_format == 'md'
  end
end
