"""Jinja2 environments for report bodies: plain text as written, HTML escaped.

Templates live in `templates/` (`<kind>.txt`, `<kind>.html`). HTML
templates autoescape every interpolated value (email-reports.md §1.4);
only markup written in the template itself is raw.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).parent / "templates"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """`1 build`, `0 builds`, `2 builds` (email-reports.md §3.2)."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


@lru_cache(maxsize=2)
def environment(html: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["plural"] = plural
    return env


def render_text(name: str, **context: Any) -> str:
    return environment(False).get_template(f"{name}.txt").render(**context)


def render_html(name: str, **context: Any) -> str:
    return environment(True).get_template(f"{name}.html").render(**context)
