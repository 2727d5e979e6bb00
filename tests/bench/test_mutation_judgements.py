"""Mutants judged equivalent leave the score's denominator only while their diff still makes
the judged change; a judged mutant that is killed is a wrong judgement (pure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.mutation import EQUIVALENT_FILE, Judgement, judge, load_judgements, score

DIFF = """--- reference/domain/threading.py
+++ reference/domain/threading.py
@@ -1,1 +1,1 @@
-    return "SELECT 1"
+    return "select 1"
"""


def row(name: str, status: str, diff: str = DIFF) -> dict[str, Any]:
    return {"name": name, "status": status, "diff": diff}


LOWER = Judgement("m.lower", '+    return "select 1"', "SQL keywords in lower case")


def test_a_judged_survivor_or_timeout_becomes_equivalent_with_its_reason() -> None:
    rows, wrong, stale = judge([row("m.lower", "timeout"), row("m.other", "survived")], [LOWER])
    assert [r["status"] for r in rows] == ["equivalent", "survived"]
    assert rows[0]["why"] == "SQL keywords in lower case"
    assert (wrong, stale) == ([], [])


def test_a_judged_mutant_that_was_killed_is_a_wrong_judgement() -> None:
    rows, wrong, stale = judge([row("m.lower", "killed")], [LOWER])
    assert rows[0]["status"] == "killed"
    assert wrong == ["m.lower"] and stale == []


def test_a_judgement_whose_mutant_changed_is_stale_and_not_applied() -> None:
    changed = DIFF.replace('"select 1"', '"XXSELECT 1XX"')
    rows, wrong, stale = judge([row("m.lower", "survived", changed)], [LOWER])
    assert rows[0]["status"] == "survived"
    assert stale == ["m.lower"] and wrong == []


def test_the_score_leaves_equivalent_mutants_out_and_gives_the_raw_score_beside_it() -> None:
    rows = [row("a", "killed")] * 6 + [row("b", "timeout"), row("c", "equivalent")]
    rows += [row("d", "not run")]
    counts = score(rows)
    assert counts["score_pct"] == round(100 * 6 / 7, 1)
    assert counts["raw_score_pct"] == 75.0
    assert counts["equivalent"] == 1 and counts["not run"] == 1


def test_every_committed_judgement_has_a_name_a_change_and_a_reason() -> None:
    judged = load_judgements(EQUIVALENT_FILE)
    assert judged, "bench/equivalent_mutants.toml holds no judgement"
    assert len({j.name for j in judged}) == len(judged)
    assert all(j.change[:1] in "+-" for j in judged)


def test_a_judgement_without_a_reason_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "judged.toml"
    path.write_text('[[mutant]]\nname = "m"\nchange = "+x"\n')
    with pytest.raises(ValueError, match=r"judged.toml: \[\[mutant\]\] number 1 lacks reason"):
        load_judgements(path)
