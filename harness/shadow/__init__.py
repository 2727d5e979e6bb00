"""Real traffic judged like the suites': the shadow proxy, replay, and their store.

Data flow, one arrow per module:

    client ──► proxy (front: primary only) ──► mirror process ──► candidate, secondary
                                                     │ answers
    recorded traffic ──► replay ─────────────────────┤
                                                     ▼
                  judge (harness.compare + noise.generalize: one comparison core)
                                                     ▼
                  store (JSON Lines file, or PostgreSQL for several proxies)
                                                     ▼
                  diffy (per endpoint and field: raw vs noise counts, thresholds)
                                                     ▼
                  findings + paired latency + gates ──► harness.report (the usual report)
"""
