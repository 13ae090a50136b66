"""Collection declarations. Importing this package registers every collection.

Each module in this package declares one collection with `base.collection(...)`;
they are discovered automatically so adding a resource needs no edit here.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import REGISTRY, Collection, Field, Kind, collection

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module != "base":
        importlib.import_module(f"{__name__}.{_module}")


def get(name: str) -> Collection:
    return REGISTRY[name]


__all__ = ["REGISTRY", "Collection", "Field", "Kind", "collection", "get"]
