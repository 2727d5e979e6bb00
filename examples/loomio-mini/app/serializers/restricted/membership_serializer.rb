module Restricted
  class MembershipSerializer < ApplicationSerializer
    attributes :id, :volume, :group_id, :user_id

    has_one :group, serializer: GroupSerializer, root: :groups
  end
end
