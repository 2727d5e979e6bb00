# The signed-in user, as the boot payload sends it.
class CurrentUserSerializer < UserSerializer
  attributes :email, :email_when_proposal_closing_soon, :email_catch_up_day,
             :email_when_mentioned, :email_on_participation, :selected_locale, :locale,
             :default_membership_volume, :experiences, :email_newsletter, :is_admin,
             :memberships_count, :secret_token

  def locale
    object.selected_locale || object.detected_locale
  end

  def include_email?
    true
  end
  alias_method :include_has_password?, :include_email?
end
