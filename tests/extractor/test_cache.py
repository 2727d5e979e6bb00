"""The extractor's cache: a warm run writes the same bytes, an edited file is read again,
and a document no run validated is validated in full."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractor.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "examples" / "loomio-mini"


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
