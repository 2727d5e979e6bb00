-- Loomio poll tables (schema version 2025_06_20_032741): polls, poll_options, stances,
-- stance_choices, outcomes, with every column, type, default and NOT NULL of Loomio's
-- db/schema.rb (see ../shared/loomio/inventory.json), so a seeder written for real Loomio
-- works here. Enum columns are integers as in Rails: polls.hide_results 0 off / 1 until_vote /
-- 2 until_closed; notify_on_closing_soon 0 nobody / 1 author / 2 undecided_voters / 3 voters;
-- stance_reason_required 0 disabled / 1 optional / 2 required; stances.volume 0 mute .. 3 loud.

CREATE TABLE IF NOT EXISTS polls (
  id serial PRIMARY KEY,
  author_id integer NOT NULL,
  title character varying NOT NULL,
  details text,
  closing_at timestamp without time zone,
  closed_at timestamp without time zone,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  discussion_id integer,
  "key" character varying NOT NULL,
  poll_type character varying NOT NULL,
  stance_data jsonb DEFAULT '{}'::jsonb,
  voters_count integer DEFAULT 0 NOT NULL,
  multiple_choice boolean DEFAULT false NOT NULL,
  custom_fields jsonb DEFAULT '{}'::jsonb NOT NULL,
  stance_counts jsonb DEFAULT '[]'::jsonb NOT NULL,
  group_id integer,
  matrix_counts jsonb DEFAULT '[]'::jsonb NOT NULL,
  undecided_voters_count integer DEFAULT 0 NOT NULL,
  voter_can_add_options boolean DEFAULT false NOT NULL,
  anonymous boolean DEFAULT false NOT NULL,
  versions_count integer DEFAULT 0,
  details_format character varying(10) DEFAULT 'md' NOT NULL,
  attachments jsonb DEFAULT '[]'::jsonb NOT NULL,
  discarded_at timestamp without time zone,
  discarded_by integer,
  specified_voters_only boolean DEFAULT false NOT NULL,
  notify_on_closing_soon integer DEFAULT 0 NOT NULL,
  content_locale character varying,
  link_previews jsonb DEFAULT '[]'::jsonb NOT NULL,
  shuffle_options boolean DEFAULT false NOT NULL,
  hide_results integer DEFAULT 0 NOT NULL,
  chart_type character varying,
  min_score integer,
  max_score integer,
  minimum_stance_choices integer,
  maximum_stance_choices integer,
  dots_per_person integer,
  process_name character varying,
  template boolean DEFAULT false NOT NULL,
  reason_prompt character varying,
  poll_option_name_format character varying,
  stance_reason_required integer DEFAULT 1 NOT NULL,
  limit_reason_length boolean DEFAULT true NOT NULL,
  default_duration_in_days integer,
  agree_target integer,
  process_subtitle character varying,
  process_url character varying,
  tags character varying[] DEFAULT '{}',
  poll_template_id integer,
  poll_template_key character varying,
  show_none_of_the_above boolean DEFAULT false NOT NULL,
  none_of_the_above_count integer DEFAULT 0 NOT NULL
);

CREATE TABLE IF NOT EXISTS poll_options (
  id serial PRIMARY KEY,
  name character varying NOT NULL,
  poll_id integer,
  priority integer DEFAULT 0 NOT NULL,
  score_counts jsonb DEFAULT '{}'::jsonb NOT NULL,
  voter_scores jsonb DEFAULT '{}'::jsonb NOT NULL,
  total_score integer DEFAULT 0 NOT NULL,
  voter_count integer DEFAULT 0 NOT NULL,
  icon character varying,
  meaning character varying,
  prompt character varying,
  created_at timestamp without time zone,
  updated_at timestamp without time zone
);

CREATE TABLE IF NOT EXISTS stances (
  id serial PRIMARY KEY,
  poll_id integer NOT NULL,
  participant_id integer,
  reason character varying,
  latest boolean DEFAULT true NOT NULL,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  versions_count integer DEFAULT 0,
  reason_format character varying(10) DEFAULT 'md' NOT NULL,
  attachments jsonb DEFAULT '[]'::jsonb NOT NULL,
  cast_at timestamp without time zone,
  token character varying,
  revoked_at timestamp without time zone,
  admin boolean DEFAULT false NOT NULL,
  inviter_id integer,
  volume integer DEFAULT 2 NOT NULL,
  accepted_at timestamp without time zone,
  content_locale character varying,
  link_previews jsonb DEFAULT '[]'::jsonb NOT NULL,
  option_scores jsonb DEFAULT '{}'::jsonb NOT NULL,
  revoker_id integer,
  guest boolean DEFAULT false NOT NULL,
  none_of_the_above boolean DEFAULT false NOT NULL
);

CREATE TABLE IF NOT EXISTS stance_choices (
  id serial PRIMARY KEY,
  stance_id integer,
  poll_option_id integer,
  score integer DEFAULT 1 NOT NULL,
  created_at timestamp without time zone,
  updated_at timestamp without time zone
);

CREATE TABLE IF NOT EXISTS outcomes (
  id serial PRIMARY KEY,
  poll_id integer,
  statement text NOT NULL,
  author_id integer NOT NULL,
  created_at timestamp without time zone,
  updated_at timestamp without time zone,
  latest boolean DEFAULT true NOT NULL,
  poll_option_id integer,
  custom_fields jsonb DEFAULT '{}'::jsonb NOT NULL,
  statement_format character varying(10) DEFAULT 'md' NOT NULL,
  attachments jsonb DEFAULT '[]'::jsonb NOT NULL,
  secret_token character varying DEFAULT public.gen_random_uuid(),
  versions_count integer DEFAULT 0 NOT NULL,
  review_on date,
  content_locale character varying,
  link_previews jsonb DEFAULT '[]'::jsonb NOT NULL
);

-- paper_trail's table; versions_count of polls, stances and outcomes counts these rows.
CREATE TABLE IF NOT EXISTS versions (
  id serial PRIMARY KEY,
  item_type character varying(255) NOT NULL,
  item_id integer NOT NULL,
  event character varying(255) NOT NULL,
  whodunnit integer,
  created_at timestamp without time zone,
  object_changes jsonb
);
CREATE INDEX IF NOT EXISTS index_versions_on_item_type_and_item_id ON versions (item_type, item_id);

-- Loomio's indexes on these tables. The partial unique index on stances is behaviour, not
-- just speed: a second latest stance for (poll, participant) fails, and stances#create then
-- falls back to an update of the existing stance.
CREATE UNIQUE INDEX IF NOT EXISTS index_polls_on_key ON polls ("key");
CREATE INDEX IF NOT EXISTS index_polls_on_author_id ON polls (author_id);
CREATE INDEX IF NOT EXISTS index_polls_on_closed_at_and_closing_at ON polls (closed_at, closing_at);
CREATE INDEX IF NOT EXISTS index_polls_on_closed_at_and_discussion_id ON polls (closed_at, discussion_id);
CREATE INDEX IF NOT EXISTS index_polls_on_discussion_id ON polls (discussion_id);
CREATE INDEX IF NOT EXISTS index_polls_on_group_id ON polls (group_id);
CREATE INDEX IF NOT EXISTS index_polls_on_tags ON polls USING gin (tags);
CREATE INDEX IF NOT EXISTS index_poll_options_on_poll_id ON poll_options (poll_id);
CREATE INDEX IF NOT EXISTS stances_guests ON stances (guest) WHERE (guest = true);
CREATE INDEX IF NOT EXISTS index_stances_on_participant_id ON stances (participant_id);
CREATE INDEX IF NOT EXISTS index_stances_on_poll_id_and_cast_at ON stances (poll_id, cast_at NULLS FIRST);
CREATE UNIQUE INDEX IF NOT EXISTS index_stances_on_poll_id_and_participant_id_and_latest
  ON stances (poll_id, participant_id, latest) WHERE (latest = true);
CREATE INDEX IF NOT EXISTS index_stances_on_poll_id ON stances (poll_id);
CREATE UNIQUE INDEX IF NOT EXISTS index_stances_on_token ON stances (token);
CREATE INDEX IF NOT EXISTS index_stance_choices_on_poll_option_id ON stance_choices (poll_option_id);
CREATE INDEX IF NOT EXISTS index_stance_choices_on_stance_id ON stance_choices (stance_id);
CREATE INDEX IF NOT EXISTS index_outcomes_on_poll_id ON outcomes (poll_id);
