class Metadata::DiscussionSerializer < MetadataSerializer
  attributes :title, :description, :image_urls

  def description
    render_plain_text(object.description, object.description_format).truncate(300)
  end

  def image_urls
    Array(object.group.cover_url)
  end
end
