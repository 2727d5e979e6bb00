class User < ApplicationRecord
  include HasVolume

  enum default_membership_volume: [:mute, :quiet, :normal, :loud]

  has_many :memberships
end
