class API::V1::DiscussionReadersController < API::V1::RestfulController
  private

  def accessible_records
    load_and_authorize(:discussion).discussion_readers.where.not(inviter_id: nil)
  end

  def default_scope
    super.merge(include_email: current_user.can?(:admin, @discussion))
  end
end
