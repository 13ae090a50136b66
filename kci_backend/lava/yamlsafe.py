"""Safe YAML loading and text conversion for LAVA payloads (SEC-1).

LAVA sends its job definition, results and log as YAML text. Only PyYAML's
safe constructors are used, so no tag can build a Python object. Real LAVA
logs still carry tags such as `!!python/object/apply:decimal.Decimal ["1"]`;
those nodes are loaded as the plain data they contain (here the list
`["1"]`) instead of failing the whole document.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import yaml


class YamlError(ValueError):
    """The text is not YAML we can load (syntax error, or nested too deeply)."""


def _construct_untagged(loader: yaml.BaseLoader, _suffix: str, node: yaml.Node) -> Any:
    # Build the node exactly as if it had no tag: only safe types come out.
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


class _PythonLoader(yaml.SafeLoader):
    """Pure-Python safe loader: slower, but deep nesting ends in RecursionError."""


_PythonLoader.add_multi_constructor("", _construct_untagged)  # "" matches every unknown tag

_FastLoader: type | None = None
if getattr(yaml, "CSafeLoader", None) is not None:

    class _LibyamlLoader(yaml.CSafeLoader):  # type: ignore[misc, name-defined]
        """libyaml safe loader: fast, but its C composer recurses without a limit."""

    _LibyamlLoader.add_multi_constructor("", _construct_untagged)
    _FastLoader = _LibyamlLoader

# libyaml overflows the C stack (the process dies) somewhere past ~30,000
# nested collections; it is only used when the text cannot nest this deep.
LIBYAML_DEPTH_LIMIT = 10_000


def load_yaml(text: str) -> Any:
    """Parse YAML text with safe constructors only; raise YamlError on bad input."""
    loader = _FastLoader if _FastLoader and nesting_bound(text) <= LIBYAML_DEPTH_LIMIT else _PythonLoader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - safe loaders only
    except yaml.YAMLError as error:
        raise YamlError(f"not valid YAML: {_first_line(error)}") from None
    except RecursionError:
        raise YamlError("not valid YAML: nested too deeply") from None


def nesting_bound(text: str) -> int:
    """An upper bound of how deep collections in `text` can nest.

    Flow collections need one `[` or `{` per level. Block collections need
    more indentation or one more `-`, `?` or `:` indicator on the line per
    level (a sequence may sit at its parent key's indentation, hence the
    factor 2).
    """
    flow = text.count("[") + text.count("{")
    block = max((_block_bound(line) for line in text.splitlines()), default=0)
    return flow + block


def _block_bound(line: str) -> int:
    indent = len(line) - len(line.lstrip(" "))
    return 2 * (indent + line.count("-") + line.count("?") + line.count(":")) + 2


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


# Text conversion -----------------------------------------------------------

TEXT_LIMIT = 64 * 1024
_MAX_DEPTH = 64


def as_text(value: Any, limit: int = TEXT_LIMIT) -> str:
    """Render a loaded YAML value as text; `None` becomes "".

    Non-string values (e.g. `results` log messages, which are mappings) are
    rendered JSON-like. The rendering is cut at `limit` characters: YAML
    aliases can make a small document expand exponentially, so the walk must
    stop early rather than materialise the whole value.
    """
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    pieces: list[str] = []
    size = 0
    for piece in _render(value, 0):
        pieces.append(piece)
        size += len(piece)
        if size >= limit:
            break
    return "".join(pieces)[:limit]


def _render(value: Any, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        yield "..."
    elif isinstance(value, dict):
        yield from _render_items(
            "{", "}", ((_scalar_text(key), item) for key, item in value.items()), depth
        )
    elif isinstance(value, (list, tuple)):
        yield from _render_items("[", "]", ((None, item) for item in value), depth)
    else:
        yield _scalar_text(value)


def _render_items(opening: str, closing: str, items: Any, depth: int) -> Iterator[str]:
    yield opening
    for position, (key, item) in enumerate(items):
        if position:
            yield ", "
        if key is not None:
            yield f"{key}: "
        yield from _render(item, depth + 1)
    yield closing


def _scalar_text(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return json.dumps(value)
    return str(value)
