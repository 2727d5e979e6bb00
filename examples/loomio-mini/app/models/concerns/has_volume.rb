module HasVolume
  extend ActiveSupport::Concern

  included do
    enum volume: {mute: 0, quiet: 1, normal: 2, loud: 3}
  end
end
