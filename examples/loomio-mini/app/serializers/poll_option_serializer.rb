class PollOptionSerializer < ApplicationSerializer
  attributes :id, :poll_id, :name, :priority, :color, :icon, :meaning, :prompt

  def color
    object.color.presence || AppConfig.colors.dig('poll', object.priority).to_s
  end
end
