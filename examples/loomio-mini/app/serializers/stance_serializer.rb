class StanceSerializer < ApplicationSerializer
  attributes :id, :none_of_the_above, :reason, :reason_format, :content_locale, :latest,
             :admin, :cast_at, :mentioned_usernames, :created_at, :updated_at, :locale,
             :versions_count, :attachments, :link_previews, :volume, :inviter_id, :poll_id,
             :participant_id, :revoked_at, :order_at, :option_scores

  has_one :poll, serializer: PollSerializer, root: :polls
  has_one :participant, serializer: AuthorSerializer, root: :users

  def participant_id
    object.poll.anonymous ? nil : object.participant_id
  end

  def order_at
    object.cast_at || object.created_at
  end

  def locale
    object.participant&.locale.to_s
  end

  def volume
    object[:volume]
  end

  def participant
    return nil if object.poll.anonymous
    cache_fetch(:users_by_id, object.participant_id) { object.participant }
  end

  # Votes are visible to their author, and to everyone once results are.
  %w[reason option_scores attachments link_previews].each do |field|
    define_method(:"include_#{field}?") do
      object.revoked_at.nil? && (scope[:current_user_id] == object.participant_id || object.poll.show_results?(voted: true))
    end
  end

  def include_mentioned_usernames?
    include_reason? && object.reason_format == 'md'
  end
end
