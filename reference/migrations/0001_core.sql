-- Loomio core tables (schema version 2025_06_20_032741), columns, types, defaults and NOT NULLs
-- as in Loomio's db/schema.rb (generated from ../shared/loomio/inventory.json), so a seeder
-- written for real Loomio works here. Polls tables: 0002_polls.sql.
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS hstore;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE IF NOT EXISTS users (
  id serial PRIMARY KEY,
  email citext,
  encrypted_password character varying(128) DEFAULT '',
  reset_password_token character varying(255),
  reset_password_sent_at timestamp without time zone,
  remember_created_at timestamp without time zone,
  sign_in_count integer DEFAULT 0,
  current_sign_in_at timestamp without time zone,
  last_sign_in_at timestamp without time zone,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  name character varying(255),
  deactivated_at timestamp without time zone,
  is_admin boolean DEFAULT false,
  avatar_kind character varying(255) DEFAULT 'initials' NOT NULL,
  uploaded_avatar_file_name character varying(255),
  uploaded_avatar_content_type character varying(255),
  uploaded_avatar_file_size integer,
  uploaded_avatar_updated_at timestamp without time zone,
  avatar_initials character varying(255),
  username character varying(255),
  email_when_proposal_closing_soon boolean DEFAULT false NOT NULL,
  authentication_token character varying(255),
  unsubscribe_token character varying(255),
  memberships_count integer DEFAULT 0 NOT NULL,
  selected_locale character varying(255),
  time_zone character varying(255),
  "key" character varying(255),
  detected_locale character varying(255),
  email_catch_up boolean DEFAULT true NOT NULL,
  email_api_key character varying(255),
  email_when_mentioned boolean DEFAULT true NOT NULL,
  email_on_participation boolean DEFAULT false NOT NULL,
  default_membership_volume integer DEFAULT 2 NOT NULL,
  country character varying,
  region character varying,
  city character varying,
  experiences jsonb DEFAULT '{}'::jsonb NOT NULL,
  facebook_community_id integer,
  slack_community_id integer,
  remember_token character varying,
  short_bio character varying DEFAULT '' NOT NULL,
  email_verified boolean DEFAULT false NOT NULL,
  location character varying DEFAULT '' NOT NULL,
  last_seen_at timestamp without time zone,
  legal_accepted_at timestamp without time zone,
  email_newsletter boolean DEFAULT false NOT NULL,
  failed_attempts integer DEFAULT 0 NOT NULL,
  unlock_token character varying,
  locked_at timestamp without time zone,
  short_bio_format character varying(10) DEFAULT 'md' NOT NULL,
  attachments jsonb DEFAULT '[]'::jsonb NOT NULL,
  current_sign_in_ip inet,
  last_sign_in_ip inet,
  secret_token character varying DEFAULT gen_random_uuid(),
  content_locale character varying,
  bot boolean DEFAULT false NOT NULL,
  link_previews jsonb DEFAULT '[]'::jsonb NOT NULL,
  email_catch_up_day integer,
  date_time_pref character varying,
  api_key character varying,
  deactivator_id integer,
  autodetect_time_zone boolean DEFAULT true NOT NULL,
  email_sha256 character varying,
  complaints_count integer DEFAULT 0 NOT NULL
);

CREATE TABLE IF NOT EXISTS groups (
  id serial PRIMARY KEY,
  name character varying(255),
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  parent_id integer,
  description text,
  memberships_count integer DEFAULT 0 NOT NULL,
  archived_at timestamp without time zone,
  discussions_count integer DEFAULT 0 NOT NULL,
  full_name character varying(255),
  parent_members_can_see_discussions boolean DEFAULT false NOT NULL,
  "key" character varying(255),
  category_id integer,
  handle citext,
  theme_id integer,
  is_visible_to_public boolean DEFAULT true NOT NULL,
  is_visible_to_parent_members boolean DEFAULT false NOT NULL,
  discussion_privacy_options character varying DEFAULT 'private_only' NOT NULL,
  members_can_add_members boolean DEFAULT false NOT NULL,
  membership_granted_upon character varying DEFAULT 'approval' NOT NULL,
  members_can_edit_discussions boolean DEFAULT true NOT NULL,
  cover_photo_file_name character varying(255),
  cover_photo_content_type character varying(255),
  cover_photo_file_size integer,
  cover_photo_updated_at timestamp without time zone,
  logo_file_name character varying(255),
  logo_content_type character varying(255),
  logo_file_size integer,
  logo_updated_at timestamp without time zone,
  members_can_edit_comments boolean DEFAULT true,
  members_can_raise_motions boolean DEFAULT true NOT NULL,
  members_can_vote boolean DEFAULT true NOT NULL,
  members_can_start_discussions boolean DEFAULT true NOT NULL,
  members_can_create_subgroups boolean DEFAULT false NOT NULL,
  creator_id integer,
  is_referral boolean DEFAULT false NOT NULL,
  cohort_id integer,
  default_group_cover_id integer,
  subscription_id integer,
  invitations_count integer DEFAULT 0 NOT NULL,
  admin_memberships_count integer DEFAULT 0 NOT NULL,
  public_discussions_count integer DEFAULT 0 NOT NULL,
  country character varying,
  region character varying,
  city character varying,
  closed_motions_count integer DEFAULT 0 NOT NULL,
  proposal_outcomes_count integer DEFAULT 0 NOT NULL,
  pending_memberships_count integer DEFAULT 0 NOT NULL,
  recent_activity_count integer DEFAULT 0 NOT NULL,
  closed_polls_count integer DEFAULT 0 NOT NULL,
  polls_count integer DEFAULT 0 NOT NULL,
  subgroups_count integer DEFAULT 0 NOT NULL,
  open_discussions_count integer DEFAULT 0 NOT NULL,
  closed_discussions_count integer DEFAULT 0 NOT NULL,
  token character varying,
  admin_tags character varying,
  members_can_announce boolean DEFAULT true NOT NULL,
  description_format character varying(10) DEFAULT 'md' NOT NULL,
  attachments jsonb DEFAULT '[]'::jsonb NOT NULL,
  info jsonb DEFAULT '{}'::jsonb NOT NULL,
  new_threads_max_depth integer DEFAULT 3 NOT NULL,
  new_threads_newest_first boolean DEFAULT false NOT NULL,
  admins_can_edit_user_content boolean DEFAULT true NOT NULL,
  listed_in_explore boolean DEFAULT false NOT NULL,
  content_locale character varying,
  members_can_add_guests boolean DEFAULT true NOT NULL,
  members_can_delete_comments boolean DEFAULT true NOT NULL,
  link_previews jsonb DEFAULT '[]'::jsonb NOT NULL,
  discussion_templates_count integer DEFAULT 0 NOT NULL,
  poll_templates_count integer DEFAULT 0 NOT NULL,
  request_to_join_prompt character varying,
  delegates_count integer DEFAULT 0 NOT NULL,
  category character varying
);

CREATE TABLE IF NOT EXISTS subscriptions (
  id serial PRIMARY KEY,
  expires_at timestamp without time zone,
  chargify_subscription_id integer,
  plan character varying DEFAULT 'free',
  payment_method character varying DEFAULT 'none' NOT NULL,
  owner_id integer,
  max_threads integer,
  max_members integer,
  max_orgs integer,
  state character varying DEFAULT 'active' NOT NULL,
  members_count integer,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  info jsonb,
  canceled_at timestamp without time zone,
  activated_at timestamp without time zone,
  renews_at timestamp without time zone,
  renewed_at timestamp without time zone,
  allow_subgroups boolean DEFAULT true NOT NULL,
  allow_guests boolean DEFAULT true NOT NULL
);

CREATE TABLE IF NOT EXISTS memberships (
  id serial PRIMARY KEY,
  group_id integer,
  user_id integer,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  inviter_id integer,
  revoked_at timestamp without time zone,
  inbox_position integer DEFAULT 0,
  "admin" boolean DEFAULT false NOT NULL,
  volume integer,
  experiences jsonb DEFAULT '{}'::jsonb NOT NULL,
  invitation_id integer,
  token character varying,
  accepted_at timestamp without time zone,
  title character varying,
  saml_session_expires_at timestamp without time zone,
  revoker_id integer,
  "delegate" boolean DEFAULT false NOT NULL
);

CREATE TABLE IF NOT EXISTS membership_requests (
  id serial PRIMARY KEY,
  name character varying(255),
  email character varying(255),
  introduction text,
  group_id integer,
  created_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  requestor_id integer,
  responder_id integer,
  response character varying(255),
  responded_at timestamp without time zone
);

CREATE TABLE IF NOT EXISTS discussions (
  id serial PRIMARY KEY,
  group_id integer,
  author_id integer,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  title character varying(255),
  last_comment_at timestamp without time zone,
  description text,
  items_count integer DEFAULT 0 NOT NULL,
  closed_at timestamp without time zone,
  "private" boolean DEFAULT true NOT NULL,
  "key" character varying(255),
  iframe_src character varying(255),
  last_activity_at timestamp without time zone,
  last_sequence_id integer DEFAULT 0 NOT NULL,
  first_sequence_id integer DEFAULT 0 NOT NULL,
  versions_count integer DEFAULT 0,
  closed_polls_count integer DEFAULT 0 NOT NULL,
  importance integer DEFAULT 0 NOT NULL,
  seen_by_count integer DEFAULT 0 NOT NULL,
  ranges_string character varying,
  description_format character varying(10) DEFAULT 'md' NOT NULL,
  attachments jsonb DEFAULT '[]'::jsonb NOT NULL,
  info jsonb DEFAULT '{}'::jsonb NOT NULL,
  max_depth integer DEFAULT 2 NOT NULL,
  newest_first boolean DEFAULT false NOT NULL,
  discarded_at timestamp without time zone,
  members_count integer,
  anonymous_polls_count integer DEFAULT 0 NOT NULL,
  content_locale character varying,
  link_previews jsonb DEFAULT '[]'::jsonb NOT NULL,
  pinned_at timestamp without time zone,
  discarded_by integer,
  template boolean DEFAULT false NOT NULL,
  tags character varying[] DEFAULT '{}',
  discussion_template_id integer,
  discussion_template_key character varying,
  closer_id integer
);

CREATE TABLE IF NOT EXISTS discussion_readers (
  id serial PRIMARY KEY,
  user_id integer NOT NULL,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  discussion_id integer NOT NULL,
  last_read_at timestamp without time zone,
  last_read_sequence_id integer DEFAULT 0 NOT NULL,
  volume integer DEFAULT 2 NOT NULL,
  participating boolean DEFAULT false NOT NULL,
  dismissed_at timestamp without time zone,
  read_ranges_string character varying,
  inviter_id integer,
  token character varying,
  revoked_at timestamp without time zone,
  "admin" boolean DEFAULT false NOT NULL,
  accepted_at timestamp without time zone,
  revoker_id integer,
  guest boolean DEFAULT false NOT NULL
);

CREATE TABLE IF NOT EXISTS comments (
  id serial PRIMARY KEY,
  discussion_id integer DEFAULT 0,
  body text DEFAULT '',
  user_id integer DEFAULT 0,
  parent_id integer,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  comment_votes_count integer DEFAULT 0 NOT NULL,
  attachments_count integer DEFAULT 0 NOT NULL,
  edited_at timestamp without time zone,
  versions_count integer DEFAULT 0,
  body_format character varying(10) DEFAULT 'md' NOT NULL,
  attachments jsonb DEFAULT '[]'::jsonb NOT NULL,
  discarded_at timestamp without time zone,
  discarded_by integer,
  content_locale character varying,
  link_previews jsonb DEFAULT '[]'::jsonb NOT NULL,
  parent_type character varying NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
  id serial PRIMARY KEY,
  kind character varying(255),
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  eventable_id integer,
  eventable_type character varying(255),
  user_id integer,
  discussion_id integer,
  sequence_id integer,
  announcement boolean DEFAULT false NOT NULL,
  custom_fields jsonb DEFAULT '{}'::jsonb NOT NULL,
  parent_id integer,
  "position" integer DEFAULT 0 NOT NULL,
  child_count integer DEFAULT 0 NOT NULL,
  depth integer DEFAULT 0 NOT NULL,
  pinned boolean DEFAULT false NOT NULL,
  position_key character varying,
  descendant_count integer DEFAULT 0 NOT NULL,
  eventable_version_id integer
);

CREATE TABLE IF NOT EXISTS partition_sequences (
  "key" text NOT NULL,
  id integer NOT NULL,
  counter integer DEFAULT 0,
  PRIMARY KEY (key, id)
);

CREATE TABLE IF NOT EXISTS tags (
  id serial PRIMARY KEY,
  group_id integer,
  name citext NOT NULL,
  color character varying,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  taggings_count integer DEFAULT 0,
  priority integer DEFAULT 0 NOT NULL,
  org_taggings_count integer DEFAULT 0 NOT NULL
);

CREATE TABLE IF NOT EXISTS taggings (
  id serial PRIMARY KEY,
  tag_id integer NOT NULL,
  taggable_id integer NOT NULL,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  taggable_type character varying NOT NULL
);

CREATE TABLE IF NOT EXISTS reactions (
  id serial PRIMARY KEY,
  reactable_id integer,
  user_id integer,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  reaction character varying DEFAULT '+1' NOT NULL,
  reactable_type character varying DEFAULT 'Comment' NOT NULL
);

CREATE TABLE IF NOT EXISTS login_tokens (
  id serial PRIMARY KEY,
  user_id integer,
  token character varying,
  used boolean DEFAULT false NOT NULL,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  redirect character varying,
  code integer NOT NULL,
  is_reactivation boolean DEFAULT false NOT NULL
);

-- Indexes Loomio has on these tables that matter for behaviour or speed.
CREATE UNIQUE INDEX IF NOT EXISTS index_users_on_email ON users (email);
CREATE UNIQUE INDEX IF NOT EXISTS index_users_on_username ON users (username);
CREATE UNIQUE INDEX IF NOT EXISTS index_groups_on_key ON groups ("key");
CREATE UNIQUE INDEX IF NOT EXISTS index_groups_on_handle ON groups (handle);
CREATE INDEX IF NOT EXISTS index_groups_on_parent_id ON groups (parent_id);
CREATE UNIQUE INDEX IF NOT EXISTS index_memberships_on_group_id_and_user_id ON memberships (group_id, user_id);
CREATE INDEX IF NOT EXISTS index_memberships_on_user_id ON memberships (user_id);
CREATE UNIQUE INDEX IF NOT EXISTS index_discussions_on_key ON discussions ("key");
CREATE INDEX IF NOT EXISTS index_discussions_on_group_id ON discussions (group_id);
CREATE UNIQUE INDEX IF NOT EXISTS index_discussion_readers_on_user_id_and_discussion_id ON discussion_readers (user_id, discussion_id);
CREATE INDEX IF NOT EXISTS index_discussion_readers_on_discussion_id ON discussion_readers (discussion_id);
CREATE INDEX IF NOT EXISTS index_comments_on_discussion_id ON comments (discussion_id);
CREATE INDEX IF NOT EXISTS index_comments_on_parent ON comments (parent_type, parent_id);
CREATE UNIQUE INDEX IF NOT EXISTS index_events_on_discussion_id_and_sequence_id ON events (discussion_id, sequence_id);
CREATE INDEX IF NOT EXISTS index_events_on_parent_id_and_discussion_id ON events (parent_id, discussion_id) WHERE discussion_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS index_events_on_position_key ON events (position_key);
CREATE INDEX IF NOT EXISTS index_events_on_parent_id ON events (parent_id);
CREATE INDEX IF NOT EXISTS index_events_on_eventable_type_and_eventable_id ON events (eventable_type, eventable_id);
CREATE INDEX IF NOT EXISTS index_events_on_eventable_id_and_kind ON events (eventable_id, kind);
CREATE INDEX IF NOT EXISTS index_events_on_user_id ON events (user_id);
CREATE INDEX IF NOT EXISTS index_events_on_created_at ON events (created_at);
CREATE INDEX IF NOT EXISTS index_tags_on_group_id ON tags (group_id);
CREATE INDEX IF NOT EXISTS index_taggings_on_taggable ON taggings (taggable_type, taggable_id);
CREATE INDEX IF NOT EXISTS index_reactions_on_reactable ON reactions (reactable_type, reactable_id);
