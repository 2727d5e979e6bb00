# Deep inheritance: Pending::Base -> Pending::Membership -> Pending::Stance.
class Pending::StanceSerializer < Pending::MembershipSerializer
end
