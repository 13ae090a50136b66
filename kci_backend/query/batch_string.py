"""The `query` string of a `/batch` operation (spec/batch.md §2.4).

Unlike an HTTP query string, a `+` stays a literal plus (values such as
`multi_v7_defconfig+CONFIG_ARM_LPAE=y` must survive), a piece is split on its
first `=` only, and an exact repeat of a key's value is dropped.
"""

from __future__ import annotations

from urllib.parse import unquote

from .params import Params


def parse_batch_query(text: str | None) -> Params:
    """The parameters of an operation's query, in order of appearance."""
    if not text:
        return Params(())
    if text.startswith("?"):
        text = text[1:]
    pairs: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for piece in text.split("&"):
        if "=" not in piece:
            continue  # also drops empty pieces
        raw_key, raw_value = piece.split("=", 1)
        pair = (unquote(raw_key, errors="replace"), unquote(raw_value, errors="replace").strip())
        if pair not in seen:
            seen.add(pair)
            pairs.append(pair)
    return Params(pairs)
