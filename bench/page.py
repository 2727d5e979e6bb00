"""bench/results.html and results.md: the figures of results.json as one self-contained page
and as Markdown for the repository (Jinja2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape


def _env(autoescape: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(Path(__file__).parent),
        autoescape=select_autoescape(["html"]) if autoescape else False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(results: dict[str, Any]) -> str:
    """HTML of the results (no scripts, no external resources)."""
    return _env(autoescape=True).get_template("results.html.j2").render(r=results)


def render_markdown(results: dict[str, Any]) -> str:
    """Markdown of the results: the detection matrix and the mutation score."""
    return _env(autoescape=False).get_template("results.md.j2").render(r=results)
