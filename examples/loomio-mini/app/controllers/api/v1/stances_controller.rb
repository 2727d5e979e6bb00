class API::V1::StancesController < API::V1::RestfulController
  def uncast
    @stance = current_user.stances.latest.find(params[:id])
    StanceService.uncast(stance: @stance, actor: current_user)
    respond_with_recent_stances
  end

  private

  def respond_with_recent_stances
    @event = nil
    @stances = @stance.poll.stances.where(revoked_at: nil, participant_id: current_user.id).order(id: :desc).limit(10)
    respond_with_collection
  end

  def accessible_records
    load_and_authorize(:poll).stances.latest
  end

  def exclude_types
    %w[group discussion]
  end
end
