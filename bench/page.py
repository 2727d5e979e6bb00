"""bench/results.html: the figures of results.json as one self-contained page (Jinja2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATE = "results.html.j2"


def render_page(results: dict[str, Any]) -> str:
    """HTML of the results (no scripts, no external resources)."""
    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(TEMPLATE).render(r=results)
