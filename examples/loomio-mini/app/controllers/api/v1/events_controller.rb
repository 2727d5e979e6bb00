class API::V1::EventsController < API::V1::RestfulController
  def comment
    load_and_authorize(:discussion)
    self.resource = Event.find_by!(kind: 'new_comment', eventable_type: 'Comment', eventable_id: params[:comment_id])
    respond_with_resource
  end

  def position_keys
    load_and_authorize(:discussion)
    keys = Event.where(discussion_id: @discussion.id).pluck(:position_key).sort
    render json: keys, root: 'position_keys'
  end

  # Rails renders the string as is: a bare array, even though a root is asked for.
  def timeline
    load_and_authorize(:discussion)
    rows = Event.where(discussion_id: @discussion.id).order(:position_key)
                .pluck(:position_key, :sequence_id, :created_at, :user_id, :depth, :descendant_count)
    render json: rows.to_json, root: 'timeline'
  end

  private

  def accessible_records
    load_and_authorize(:discussion)
    Event.where(discussion_id: @discussion.id).where('sequence_id >= ?', params[:from].to_i).order(:sequence_id)
  end
end
