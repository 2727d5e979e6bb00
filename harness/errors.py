"""The harness' root error: every failure that ends a run carries what happened and what to do."""

from __future__ import annotations


class HarnessError(Exception):
    """Root of the harness' errors; the message says where, why and the next step."""
