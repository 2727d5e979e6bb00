class AuthorSerializer < ApplicationSerializer
  attributes :id, :name, :email, :username, :avatar_initials, :avatar_kind, :thumb_url,
             :time_zone, :locale, :created_at, :titles, :delegates, :placeholder_name,
             :email_verified, :bot

  def titles
    object.experiences.fetch('titles', {})
  end

  def delegates
    object.experiences.fetch('delegates', {})
  end

  def placeholder_name
    I18n.t(:'user.placeholder_name')
  end

  def include_email?
    scope[:current_user_id] == object.id || scope[:include_email] || scope[:current_user_is_admin]
  end

  def include_placeholder_name?
    object.name.blank?
  end
end
