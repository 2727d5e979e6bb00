"""Oracles: Loomio's rules as pure functions, no I/O (threading.md, polls.md, permissions.md).

* `threading` — `simulate(actions, max_depth)` -> the expected events of a thread; the
  events-index query forms (`query_events`, `comment_event`, `position_keys`, `timeline`);
  `invariants(events, discussion)` for threading.md section 8 on API JSON.
* `tallies` — `tally(poll, stances)` -> counts and `results` rows as Ruby emits them;
  `poll_fields`/`stance_view` visibility; `compare_results`; `validate_stance`.
* `permissions` — `decide(Cell(actor, config, action))` -> status; `cells()` enumerates the
  decision table; `ENDPOINTS` maps actions to requests.

Inputs and outputs use the API's field names and refs chosen by the caller instead of
database ids; the suites map refs to ids while they drive a backend.
"""
