"""Examples per suite: a share of the Hypothesis profile's max_examples.

The profiles (dev 25, ci 200, nightly 2000) are shared with the contract suites. A property
example costs far more: a thread example sends up to ten actions and a dozen reads per
backend, a permission example seeds a world and sends up to nine requests per backend. With
the full ci budget the three suites took 466 s on the loaded CI machine; these shares keep
the ci run near five minutes and still find every threading, tally and permission fault of
the reference catalogue (tests/properties/test_properties_meta.py). A tally example is
cheap (one poll, a few votes: ~0.3 s) and the suite is split over nine poll types, so it
gets more than the profile's count: 50 examples per poll type under ci.
"""

from __future__ import annotations

from hypothesis import settings

SHARES = {"permissions": 0.75, "tallies": 2.25, "threading": 0.6}
MIN_EXAMPLES = 10
MIN_PART_EXAMPLES = 3  # a suite split into parametrized parts: each part's floor


def budget(suite: str, parts: int = 1) -> settings:
    """Settings for `suite`: the current profile with its share of max_examples, split
    evenly over `parts` parametrized tests (the tallies suite: one per poll type)."""
    if suite not in SHARES:
        raise ValueError(f"no example budget for suite {suite!r}; add it to SHARES")
    share = round(settings.default.max_examples * SHARES[suite] / parts)
    return settings(max_examples=max(MIN_EXAMPLES if parts == 1 else MIN_PART_EXAMPLES, share))
