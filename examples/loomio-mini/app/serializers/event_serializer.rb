class EventSerializer < ApplicationSerializer
  attributes :id, :sequence_id, :position, :depth, :child_count, :descendant_count, :kind,
             :discussion_id, :created_at, :eventable_id, :eventable_type, :custom_fields,
             :pinned, :pinned_title, :parent_id, :actor_id, :position_key,
             :recipient_message

  has_one :actor, serializer: AuthorSerializer, root: :users
  has_one :eventable, polymorphic: true
  has_one :discussion, serializer: DiscussionSerializer, root: :discussions
  has_one :parent, serializer: EventSerializer, root: :parent_events
  has_one :source_group, serializer: GroupSerializer, root: :groups

  def actor
    cache_fetch(:users_by_id, object.user_id) { object.user }
  end

  # The record an event is about; the type names the side-load collection.
  def eventable
    case object.eventable_type
    when 'Discussion', 'Comment', 'Poll', 'Stance', 'Outcome', 'Membership', 'Group', 'Reaction'
      cache_fetch(:"#{object.eventable_type.underscore.pluralize}_by_id", object.eventable_id) { object.eventable }
    else
      object.eventable
    end
  end

  def actor_id
    object.user_id
  end

  def pinned_title
    object.custom_fields['pinned_title'].to_s.presence
  end

  def recipient_message
    object.custom_fields['recipient_message'].to_s.presence
  end

  def position_key
    object.kind == 'new_discussion' ? '00000' : object.position_key
  end

  def parent
    cache_fetch(:events_by_id, object.parent_id) { object.parent }
  end

  def source_group
    Group.find_by(id: object.custom_fields['source_group_id'])
  end

  def include_eventable?
    !(object.kind == 'new_discussion' && exclude_type?('discussion'))
  end

  def include_source_group?
    object.kind == 'discussion_moved' && object.custom_fields['source_group_id'].present?
  end

  def include_custom_fields?
    %w[poll_edited discussion_edited discussion_moved].include?(object.kind)
  end
end
