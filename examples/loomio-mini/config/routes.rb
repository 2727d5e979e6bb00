Rails.application.routes.draw do
  get "/up", to: proc { [200, {}, ["ok"]] }, as: :rails_health_check

  # Development helpers: left out by `parity extract --env production`.
  if Rails.env.development?
    namespace :dev do
      get "/", to: "nightwatch#index"
    end
  end

  namespace :api, defaults: {format: :json} do
    namespace :v1 do
      resources :groups, only: [:index, :show, :create, :update] do
        get :subgroups, on: :member
      end

      resources :memberships, only: [:index, :destroy] do
        member do
          post :make_admin
          post :remove_admin
        end
      end

      resources :discussions, except: [:new, :edit, :destroy] do
        member do
          patch :close
          patch :reopen
          patch :pin
          patch :unpin
          patch :mark_as_seen
          delete :discard
        end
      end

      resources :discussion_readers, only: :index

      resources :comments, only: [:create, :update, :destroy] do
        delete :discard, on: :member
      end

      resources :events, only: :index do
        collection do
          get :comment, to: "events#comment"
          get :position_keys, action: :position_keys
          get :timeline
        end
      end

      resources :polls, only: [:show, :create, :update] do
        member do
          post :close
          post :reopen
          delete :discard
        end
      end

      resources :stances, only: [:index, :create, :update] do
        patch :uncast, on: :member
      end

      resources :outcomes, only: [:create, :update]

      resources :profile, only: [] do
        get :me, on: :collection
      end

      resources :boot, only: [] do
        get :site, on: :collection
        get :user, on: :collection
      end

      devise_scope :user do
        resource :sessions, only: [:create, :destroy]
      end
    end
  end
end
