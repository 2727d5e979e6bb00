class API::V1::SessionsController < Devise::SessionsController
  def create
    if user = warden.authenticate(scope: :user)
      sign_in(user)
      render json: {users: [CurrentUserSerializer.new(user, root: false)], current_user_id: user.id,
                    pending_identity: {}, flash: {}, channel_token: nil}
    else
      render json: {errors: {password: [:'auth_form.invalid_password']}}, status: 401
    end
  end

  def destroy
    current_user.update_columns(secret_token: SecureRandom.uuid)
    sign_out :user
    render json: {success: :ok}
  end
end
