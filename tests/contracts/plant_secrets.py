"""A pytest plugin for test_data_parity_meta: plants known secret values in both databases.

Before each example's rows are read, every user the example seeded gets a known
`encrypted_password` on the rails side and NULL on the go side (a presence difference data
parity must report), and a different known `reset_password_token` on each side (values it
must not compare). The comparison itself runs unchanged on the real databases.
"""

from __future__ import annotations

import pytest

from harness.rows import Mark, RowReader, Rows

PLANTED = {"rails": "planted-pw-rails-7f3a", "go": None}
PLANTED_TOKENS = {"rails": "planted-token-rails-91c2", "go": "planted-token-go-44d0"}


def pytest_configure(config: pytest.Config) -> None:
    original = RowReader.read

    def read(self: RowReader, mark: Mark) -> Rows:
        conn = self.connect()
        conn.execute(
            "UPDATE users SET encrypted_password = %s, reset_password_token = %s WHERE id > %s",
            (PLANTED[self.side], PLANTED_TOKENS[self.side], mark.ids.get("users", 0)),
        )
        return original(self, mark)

    RowReader.read = read  # type: ignore[method-assign]  # the plugin's whole point
