"""pytest plugin of the harness: the "backends" options, backend fixtures and isolation.

Options (CLI > ini key > env var > default; `pytest --help`, group "backends"): per side
`--rails-url/--go-url` (url mode), `--rails-cmd/--go-cmd` (process mode; `{port}` and
`{database_url}` placeholders, also PORT and DATABASE_URL), `--rails-image/--go-image`
(containers mode), `--rails-prepare/--go-prepare` (schema step on the template database),
`--rails-database-url/--go-database-url` (url mode: database to seed), `--rails-setenv/
--go-setenv KEY=VALUE...`; `--go-faults` (embedded reference only); `--ready-path`,
`--ready-timeout`, `--request-timeout`; `--db-mode=clone|shared`; `--isolation=clone|scoped`;
`--auth=cookie|basic`; `--suites=contracts,properties`; `--run-dir`; `--pg-image`.
Hypothesis profiles dev (25 examples), ci (200), nightly (2000); `--derandomize` draws the
same examples every run (harness.plugins.profiles).
Nothing given: the embedded default (local PostgreSQL + two reference backend processes).

Fixtures:
- `harness_config` (session): the frozen HarnessConfig.
- `backends` (session): both backends up, seeded, actors known (harness.backends.Backends);
  `rails_backend`, `go_backend`: one side each. `backend.send(ApiRequest(...))` is the only
  network call; `actor="admin"` acts as a seeded actor, `actor=None` as a visitor.
- `actors` (session): the session world's actors by name (harness.seed.default_world).
- `seeded_ids` (session): ids per backend, `seeded_ids["go"]["group:main"]`.
- `isolated_example` (session): `with isolated_example() as scope:` inside a Hypothesis
  example gives independent data, by fresh clones or a scope of its own (harness.isolation).
- `scope` (function): the same for a plain test.

A backend that dies mid-run fails the current test with its log tail, is recorded through
harness.events (for the findings), and ends the run; the run directory keeps the logs and
backend-failures.jsonl.

SIGTERM is handled like Ctrl-C (harness.plugins.signals): partial report, full teardown.
Secrets the user hands in (setenv values, DSNs, header values) are masked everywhere
(harness.plugins.secrets).
"""

# pytest wants a plugin module registered before anything imports it: the harness options
# first (the report's options read the resolved spec), then the report's (the backends
# plugin imports them, for the coverage recorder).
pytest_plugins = [
    "harness.plugins.profiles",
    "harness.plugins.options",
    "harness.report.options",
    "harness.plugins.backends",
    "harness.plugins.isolation",
    "harness.plugins.signals",
    "harness.plugins.secrets",
    "harness.plugins.channels",
]
