"""One declaration per collection drives tables, validation, queries and output.

A `Collection` lists its `Field`s once. From it the store derives the SQL
table (`store/tables.py`), the query engine derives the valid filter keys and
their coercions (`query/`), and the HTTP layer derives row encoding and the
OpenAPI schema. Adding a field is one line in the collection's module.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field as dc_field
from functools import cached_property
from typing import Any, Iterable


class Kind(str, enum.Enum):
    """Storage/wire type of a field."""

    TEXT = "text"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    OID = "oid"  # 24-hex ObjectId, stored as text, shown as {"$oid": ...}
    DATE = "date"  # UTC instant, shown as {"$date": ms}
    JSON = "json"  # nested or variable structure (lists, objects)


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind = Kind.TEXT
    # May be used as an equality / gte / lt filter key in list queries.
    filter: bool = False
    # May be used with /<resource>/distinct/<field>.
    distinct: bool = False
    # Must be present (and not null) in a POST body.
    required: bool = False
    # Set by the server only: never taken from a request body.
    server: bool = False
    # Value stored when the body omits the field.
    default: Any = None
    # Never shown on the wire (e.g. a token hash).
    hidden: bool = False
    # Indexed on its own (composite indexes are declared on the collection).
    index: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Collection:
    """A stored collection: v1 name, fields, identity and indexes."""

    name: str
    fields: tuple[Field, ...]
    # Natural key: a unique index; imports upsert on it.
    identity: tuple[str, ...] = ()
    # Composite indexes following the dashboard's query patterns.
    indexes: tuple[tuple[str, ...], ...] = ()
    # Query keys that are not stored fields but aliases of one (build logs).
    filter_aliases: dict[str, str] = dc_field(default_factory=dict)
    # Extra query-only filter keys (coerced with the kind given).
    doc: str = ""

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"duplicate field in collection {self.name}")
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    by_name: dict[str, Field] = dc_field(init=False, repr=False, compare=False, default_factory=dict)

    # Derived views, computed once: the declaration is frozen and query parsing reads them per request.
    @cached_property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @cached_property
    def visible_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.hidden)

    @cached_property
    def filter_keys(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.filter) | frozenset(self.filter_aliases)

    @cached_property
    def distinct_keys(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.distinct)

    @cached_property
    def client_fields(self) -> tuple[Field, ...]:
        """Fields a client may send in a POST body."""
        return tuple(f for f in self.fields if not f.server)

    def kind_of(self, name: str) -> Kind | None:
        f = self.by_name.get(self.filter_aliases.get(name, name))
        return f.kind if f else None


# Every collection has these two server-set fields first.
def common_fields() -> tuple[Field, ...]:
    return (
        Field("_id", Kind.OID, filter=True, server=True, doc="Document id"),
        Field("created_on", Kind.DATE, filter=True, server=True, index=True, doc="Creation time (UTC)"),
    )


REGISTRY: dict[str, Collection] = {}


def register(collection: Collection) -> Collection:
    if collection.name in REGISTRY:
        raise ValueError(f"collection {collection.name} declared twice")
    REGISTRY[collection.name] = collection
    return collection


def collection(name: str, *fields: Field, identity: Iterable[str] = (), indexes: Iterable[Iterable[str]] = (),
               filter_aliases: dict[str, str] | None = None, doc: str = "") -> Collection:
    """Declare and register a collection; `_id` and `created_on` are added first."""
    return register(
        Collection(
            name=name,
            fields=common_fields() + tuple(fields),
            identity=tuple(identity),
            indexes=tuple(tuple(i) for i in indexes),
            filter_aliases=dict(filter_aliases or {}),
            doc=doc,
        )
    )
