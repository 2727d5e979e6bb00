module Webhook
  module Markdown
    class EventSerializer < ActiveModel::Serializer
      attributes :text, :icon_url
      attribute :kind_label, key: :"@type"

      def text
        "#{object.user.name} #{object.kind.humanize}"
      end

      def kind_label
        'MessageCard'
      end

      def icon_url
        nil
      end
    end
  end
end
