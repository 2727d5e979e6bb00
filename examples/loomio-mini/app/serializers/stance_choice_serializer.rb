class StanceChoiceSerializer < ApplicationSerializer
  attributes :id, :score, :created_at, :stance_id, :rank, :rank_or_score, :poll_option_id

  has_one :poll_option

  def rank
    poll.minimum_stance_choices - object.score + 1 if poll.poll_type == 'ranked_choice'
  end

  def rank_or_score
    poll.poll_type == 'ranked_choice' ? rank.to_i : object.score.to_i
  end

  def poll
    object.stance.poll
  end
end
