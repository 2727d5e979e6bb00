"""The extractor's cache: a warm run writes the same bytes, an edited file is read again,
and a document no run validated is validated in full."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from extractor import inflect
from extractor.cache import Cache, fingerprint
from extractor.cli import main
from extractor.model import JsonKind, Loc, Route, ValueType

PROJECT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = PROJECT / "examples" / "loomio-mini"


def _run(root: Path, out: Path, cache: Path, *extra: str) -> bytes:
    assert main([str(root), "-o", str(out), "--cache-dir", str(cache), *extra]) == 0
    return out.read_bytes() + (out.parent / "extraction-report.json").read_bytes()


def test_warm_cold_and_uncached_runs_write_the_same_bytes(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cold = _run(EXAMPLE, tmp_path / "a" / "o.yaml", cache)
    assert any(cache.rglob("facts.pickle")) and any(cache.rglob("valid/*"))
    warm = _run(EXAMPLE, tmp_path / "b" / "o.yaml", cache)
    uncached = _run(EXAMPLE, tmp_path / "c" / "o.yaml", tmp_path / "unused", "--no-cache")
    assert cold == warm == uncached
    assert not (tmp_path / "unused").exists()


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    root = tmp_path / "app-copy"
    shutil.copytree(EXAMPLE, root)
    cache = tmp_path / "cache"
    _run(root, tmp_path / "a" / "o.yaml", cache)
    serializer = next((root / "app" / "serializers").glob("poll_serializer.rb"))
    serializer.write_text(
        serializer.read_text().replace("attributes ", "attributes :brand_new, ", 1)
    )
    after = _run(root, tmp_path / "b" / "o.yaml", cache).decode()
    assert "brand_new:" in after


def test_a_document_no_run_validated_is_validated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    _run(EXAMPLE, tmp_path / "a" / "o.yaml", cache)
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(
        "overrides:\n"
        "  - target: '#/components/schemas/Poll/properties/results'\n"
        "    set: {type: 42}\n"
    )
    out = tmp_path / "b" / "o.yaml"
    args = [str(EXAMPLE), "-o", str(out), "--cache-dir", str(cache), "--overrides", str(overrides)]
    assert main(args) == 1
    assert "not valid OpenAPI 3.1" in capsys.readouterr().err


def test_a_verdict_holds_only_for_the_schema_it_was_given_against(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    document = {"openapi": "3.1.0"}
    known, key = cache.validated(document, "openapi")
    assert known is None
    cache.remember_valid(key, "openapi: 3.1.0\n")
    assert Cache(tmp_path).validated(document, "openapi")[0] == "openapi: 3.1.0\n"
    assert Cache(tmp_path).validated(document, "abilities")[0] is None


def test_the_fingerprint_covers_the_package_schemas(tmp_path: Path) -> None:
    (tmp_path / "reader.py").write_text("x = 1\n")
    (tmp_path / "abilities.schema.json").write_text('{"type": "object"}')
    before = fingerprint(tmp_path)
    (tmp_path / "abilities.schema.json").write_text('{"type": "array"}')
    assert fingerprint(tmp_path) != before


def test_an_edited_overrides_file_is_read_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(
        "overrides:\n"
        "  - target: '#/components/schemas/Poll/properties/results'\n"
        "    set: {type: array, description: first}\n"
    )
    first = _run(EXAMPLE, tmp_path / "a" / "o.yaml", cache, "--overrides", str(overrides))
    again = _run(EXAMPLE, tmp_path / "a" / "o.yaml", cache, "--overrides", str(overrides))
    assert first == again and b"description: first" in first
    overrides.write_text(overrides.read_text().replace("first", "second"))
    edited = _run(EXAMPLE, tmp_path / "a" / "o.yaml", cache, "--overrides", str(overrides))
    assert b"description: second" in edited and b"description: first" not in edited


def test_a_warm_run_imports_neither_the_yaml_library_nor_the_schema_validator(
    tmp_path: Path,
) -> None:
    """What an unchanged tree does not need is not imported (~35 ms of a warm run)."""
    out, cache = tmp_path / "o.yaml", tmp_path / "cache"
    _run(EXAMPLE, out, cache)
    probe = (
        "import sys; from extractor.cli import main; "
        f"code = main([{str(EXAMPLE)!r}, '-o', {str(out)!r}, '--cache-dir', {str(cache)!r}]); "
        "print(code, sorted({'yaml', 'jsonschema_rs', 'openapi_spec_validator'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=PROJECT
    )
    assert done.stdout.splitlines()[-1] == "0 []"


def test_facts_come_back_from_the_cache_equal_and_of_their_classes(tmp_path: Path) -> None:
    loc = Loc("config/routes.rb", 3)
    facts = (
        [
            Route(
                verb="GET", path="/api/v1/polls", controller="api/v1/polls", action="index", loc=loc
            )
        ],
        ValueType(kind=JsonKind.ARRAY, items=ValueType(kind=JsonKind.STRING), enum=("a", "b")),
        {"loc": loc, "same": loc},
    )
    first = Cache(tmp_path)
    assert first.facts("reader", "config/routes.rb", "text", lambda: facts) == facts
    first.save()
    again = Cache(tmp_path).facts("reader", "config/routes.rb", "text", lambda: pytest.fail())
    assert again == facts
    assert type(again[0][0]) is Route and again[1].items is not None
    assert again[2]["loc"] is again[2]["same"]  # shared objects stay shared


def test_inflections_are_kept_for_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inflect, "_KNOWN", {})
    first = Cache(tmp_path)
    first.facts("reader", "app/models/octopus.rb", "text", lambda: inflect.singularize("octopi"))
    first.save()
    monkeypatch.setattr(inflect, "_KNOWN", {})  # a new process
    Cache(tmp_path)
    assert inflect.known() == {("singularize", "octopi"): "octopus"}
