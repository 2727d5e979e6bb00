# Base of the record serializers: ids are embedded, records are side-loaded at the root.
class ApplicationSerializer < ActiveModel::Serializer
  embed :ids, include: true

  def scope
    super || {}
  end

  # Replaces each field with nil once the record is soft-deleted; the key stays.
  def self.hide_when_discarded(fields)
    Array(fields).each do |field|
      define_method field do
        object.discarded_at ? nil : object.send(field)
      end
    end
  end

  def cache_fetch(key, id)
    return nil if id.nil?
    return yield unless scope.has_key?(:cache)
    scope[:cache].fetch(key, id) { yield }
  end

  def include_type?(token)
    !Array(scope[:exclude_types]).include?(token)
  end

  def exclude_type?(token)
    !include_type?(token)
  end

  def author
    cache_fetch(:users_by_id, object.author_id) { object.author }
  end

  def user
    cache_fetch(:users_by_id, object.user_id) { object.user }
  end

  def group
    cache_fetch(:groups_by_id, object.group_id) { object.group }
  end

  def discussion
    cache_fetch(:discussions_by_id, object.discussion_id) { object.discussion }
  end

  def poll
    cache_fetch(:polls_by_id, object.poll_id) { object.poll }
  end

  def tags
    cache_fetch(:tags_by_group_id, object.id) { object.tags }
  end

  def include_discussion?
    include_type?('discussion')
  end

  def include_poll?
    include_type?('poll')
  end

  def include_active_polls?
    include_type?('poll')
  end

  def include_group?
    include_type?('group') && object.group_id.present?
  end

  def include_created_event?
    include_type?('event')
  end

  def include_forked_event?
    include_type?('event')
  end

  def include_tags?
    include_type?('tag')
  end

  def include_user?
    include_type?('user')
  end

  def include_author?
    include_type?('user') && include_type?('author')
  end
  alias include_participant? include_author?

  def include_actor?
    include_type?('user')
  end

  def include_inviter?
    include_type?('user') && include_type?('inviter')
  end

  def include_parent?
    include_type?('parent')
  end

  def include_current_user_membership?
    include_type?('membership')
  end

  def include_poll_options?
    include_type?('poll_option')
  end

  def include_current_outcome?
    include_type?('outcome')
  end

  def include_my_stance?
    include_type?('stance') && scope[:current_user_id].present?
  end

  def include_eventable?
    true
  end
end
