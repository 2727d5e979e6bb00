class DiscussionReaderSerializer < ApplicationSerializer
  attributes :id, :user_id, :discussion_id, :read_ranges, :last_read_at, :dismissed_at,
             :volume, :inviter_id, :guest, :admin, :revoked_at

  has_one :user, serializer: AuthorSerializer, root: :users

  def read_ranges
    object.discussion.anonymous_polls_count.zero? ? object.read_ranges : []
  end

  def last_read_at
    object.discussion.anonymous_polls_count.zero? ? object.last_read_at : nil
  end

  def volume
    object[:volume]
  end
end
