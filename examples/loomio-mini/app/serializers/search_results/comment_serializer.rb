module SearchResults
  # No `embed :ids` anywhere up the chain: the author is nested as an object.
  class CommentSerializer < ActiveModel::Serializer
    attributes :id, :blurb

    has_one :author, serializer: UserSerializer

    def blurb
      object.body.to_s.truncate(120)
    end
  end
end
