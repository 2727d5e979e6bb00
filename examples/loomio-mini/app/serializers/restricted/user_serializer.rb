# A user reached through an unsubscribe token: a few fields, memberships side-loaded.
class Restricted::UserSerializer < ActiveModel::Serializer
  embed :ids, include: true

  attributes :id, :name, :username, :avatar_initials, :avatar_kind, :time_zone, :locale,
             :email_when_mentioned, :email_catch_up_day, :restricted

  has_many :memberships, serializer: Restricted::MembershipSerializer, root: :memberships

  def restricted
    true
  end
end
