module Pending
  # Describes an invitation (not a user) in the boot payload's pending_identity.
  class BaseSerializer < ActiveModel::Serializer
    attributes :name, :email, :email_status, :avatar_kind, :avatar_initials

    def avatar_kind
      'initials'
    end

    def email_status
      user&.email_status.to_s
    end

    def user
      object.user
    end
  end
end
