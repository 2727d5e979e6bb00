module Pending
  class UserSerializer < BaseSerializer
    attribute :has_password

    def has_password
      user.encrypted_password.present?
    end
  end
end
