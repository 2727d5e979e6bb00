"""The HTML report in a real browser: headless Chromium renders it from a file:// URL.

Needs Chromium (Debian: `apt-get install -y chromium`); skipped, saying so, without it.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from harness.report.render import render_report
from tests.harness.report.samples import sample_report

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)"
)
WIDTH, HEIGHT = 1280, 2000


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={WIDTH},{HEIGHT}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, cwd=tmp_path)


@pytest.fixture
def index_html(tmp_path: Path) -> Path:
    path = tmp_path / "report" / "index.html"
    path.parent.mkdir()
    path.write_text(render_report(sample_report())["index.html"])
    return path


def test_screenshot_of_the_report_is_produced_and_shows_the_verdict(tmp_path, index_html):
    shot = tmp_path / "report.png"
    result = chromium(tmp_path, f"--screenshot={shot}", index_html.as_uri())
    assert shot.is_file(), result.stderr[-2000:]
    width, height, rows = decode_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    # The verdict banner (FAIL: red badge on a pale red band) is on the first screen.
    badge_row = rows[60]
    red = [px for px in badge_row if px[0] > 180 and px[1] < 80 and px[2] < 80]
    assert len(red) > 50, "no red FAIL badge in the top band of the screenshot"


def test_key_figures_are_in_the_rendered_page(tmp_path, index_html):
    result = chromium(tmp_path, "--dump-dom", index_html.as_uri())
    dom = result.stdout
    assert "<html" in dom, result.stderr[-2000:]
    for figure in (
        ">FAIL<",
        "3 findings",
        "rails coverage",
        "go coverage",
        "Operations exercised",
        "33%",  # 1 of 3 operations on each backend
        "Findings by kind",
        "value at /discussions/*/title",
        "cells: <strong>64</strong>",
    ):
        assert figure in dom, figure


def decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """Width, height and the first 200 pixel rows of an 8-bit RGB(A) PNG (Chromium's kind)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and color in (2, 6), (depth, color)
    channels = 4 if color == 6 else 3
    raw, stride = zlib.decompress(idat), width * channels
    rows: list[bytearray] = []
    for y in range(min(height, 200)):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        rows.append(unfilter(line[0], bytearray(line[1:]), rows[-1] if rows else None, channels))
    pixels = [[tuple(r[i : i + channels]) for i in range(0, stride, channels)] for r in rows]
    return width, height, pixels


def unfilter(kind: int, line: bytearray, prev: bytearray | None, bpp: int) -> bytearray:
    up = prev or bytearray(len(line))
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b, c = up[i], up[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + a) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + b) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (a + b) // 2) & 0xFF
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pred) & 0xFF
    return line
