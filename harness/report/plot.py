"""The paired-latency plot (pure): an inline SVG, no script, no external resource.

One row per operation (the slowest ratios first, then all operations pooled): a dot at the
median ratio go/rails, a bar across its 95 % interval, on a log scale centred on 1.0 (a
vertical line: as fast as rails). Right of the line go is slower.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from html import escape

from harness.latency import LatencySummary, OperationLatency

ROWS = 25  # most operations shown; the table below the plot has them all
ROW_HEIGHT = 18
LABEL_WIDTH = 330
PLOT_WIDTH = 360
MARGIN = 8


def latency_svg(summary: LatencySummary) -> str:
    """An SVG of each operation's ratio and interval; labels escaped, numbers rounded."""
    rows = [r for r in summary.operations if r.ratio][:ROWS]
    rows = [*rows, summary.overall] if summary.overall.ratio else rows
    if not rows:
        return ""
    span = _span(rows)
    height = MARGIN * 2 + ROW_HEIGHT * (len(rows) + 1)
    width = LABEL_WIDTH + PLOT_WIDTH + MARGIN * 2

    def x(ratio: float) -> float:
        clamped = min(max(math.log(ratio), -span), span)
        return LABEL_WIDTH + PLOT_WIDTH * (clamped + span) / (2 * span)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="latency-plot" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        'aria-label="median latency ratio go/rails per operation, with 95% intervals">',
        f'<line x1="{x(1):.1f}" y1="{MARGIN}" x2="{x(1):.1f}" y2="{height - ROW_HEIGHT}" '
        'stroke="#888" stroke-dasharray="3,3"/>',
    ]
    for i, row in enumerate(rows):
        parts.extend(_row(row, MARGIN + ROW_HEIGHT * i + ROW_HEIGHT // 2, x))
    axis_y = height - MARGIN
    for tick in (math.exp(-span), 1.0, math.exp(span)):
        parts.append(
            f'<text x="{x(tick):.1f}" y="{axis_y}" font-size="10" text-anchor="middle">'
            f"{tick:.2f}×</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _span(rows: list[OperationLatency]) -> float:
    """Half the log-scale range: wide enough for every interval, at least ×/÷ 1.25."""
    widest = max(
        abs(math.log(v)) for r in rows if r.ratio for v in (r.ratio.low, r.ratio.high) if v > 0
    )
    return min(max(widest * 1.1, math.log(1.25)), math.log(20))


def _row(row: OperationLatency, y: int, x: Callable[[float], float]) -> list[str]:
    assert row.ratio is not None  # latency_svg keeps rows with a ratio
    ratio = row.ratio
    colour = "#c0392b" if ratio.low > 1 else ("#27ae60" if ratio.high < 1 else "#2c3e50")
    label = escape(f"{row.operation} ({row.pairs})")
    return [
        f'<text x="{LABEL_WIDTH - 6}" y="{y + 4}" font-size="11" text-anchor="end">{label}</text>',
        f'<line x1="{x(ratio.low):.1f}" y1="{y}" x2="{x(ratio.high):.1f}" y2="{y}" '
        f'stroke="{colour}" stroke-width="3"/>',
        f'<circle cx="{x(ratio.estimate):.1f}" cy="{y}" r="4" fill="{colour}">'
        f"<title>{label}: {ratio.estimate:.3f} [{ratio.low:.3f}, {ratio.high:.3f}]</title>"
        "</circle>",
    ]
