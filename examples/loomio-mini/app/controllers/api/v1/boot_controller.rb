# The web client's first call (vue/src/shared/helpers/boot.js): the site's configuration with
# the current user's payload, and the channel token the channel server looks up in Redis.
# `boot/user` is routed but has no action (404).
class API::V1::BootController < API::V1::RestfulController
  def site
    render json: {version: Loomio::Version.current,
                  environment: Rails.env,
                  users: current_user.is_logged_in? ? [CurrentUserSerializer.new(current_user, root: false)] : [],
                  current_user_id: current_user.id,
                  pending_identity: {},
                  flash: {},
                  channel_token: channel_token}
  end

  private

  def channel_token
    token = current_user.secret_token || SecureRandom.hex
    CACHE_REDIS_POOL.with do |client|
      client.set("/current_users/#{token}",
                 {name: current_user.name, group_ids: current_user.group_ids, id: current_user.id}.to_json)
    end
    token
  end
end
