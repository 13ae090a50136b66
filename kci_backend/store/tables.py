"""SQL tables derived from the collection declarations (models/)."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from kci_backend import models
from kci_backend.models import Collection, Kind

def _short_columns(constraint: sa.Index, table: sa.Table) -> str:
    """Index names from their columns, kept under PostgreSQL's 63-byte limit."""
    joined = "_".join(c.name.lstrip("_") for c in constraint.columns)
    if len(table.name) + len(joined) > 55:
        digest = hashlib.sha1(joined.encode()).hexdigest()[:8]
        joined = f"{joined[: 45 - len(table.name)]}_{digest}"
    return joined


metadata = sa.MetaData(
    naming_convention={
        "short_columns": _short_columns,
        "ix": "ix_%(table_name)s_%(short_columns)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite keeps instants as integer milliseconds (the wire form, and it sorts);
# PostgreSQL uses its native timestamptz.
UtcTimestamp = sa.DateTime(timezone=True).with_variant(sa.BigInteger(), "sqlite")
JsonDocument = sa.JSON().with_variant(JSONB(), "postgresql")

_COLUMN_TYPES: dict[Kind, sa.types.TypeEngine] = {
    Kind.TEXT: sa.Text(),
    Kind.INT: sa.BigInteger(),
    Kind.FLOAT: sa.Float(),
    Kind.BOOL: sa.Boolean(create_constraint=False),
    Kind.OID: sa.String(24),
    Kind.DATE: UtcTimestamp,
    Kind.JSON: JsonDocument,
}


def _table_for(collection: Collection) -> sa.Table:
    columns = [
        sa.Column(f.name, _COLUMN_TYPES[f.kind], primary_key=f.name == "_id", nullable=f.name != "_id")
        for f in collection.fields
    ]
    table = sa.Table(collection.name, metadata, *columns)
    if collection.identity:
        sa.Index(None, *(table.c[n] for n in collection.identity), unique=True)
    seen: set[tuple[str, ...]] = set()
    for f in collection.fields:
        if f.index:
            seen.add((f.name,))
            sa.Index(None, table.c[f.name])
    for cols in collection.indexes:
        if cols not in seen:
            seen.add(cols)
            sa.Index(None, *(table.c[n] for n in cols))
    return table


def _build_all() -> dict[str, sa.Table]:
    return {name: _table_for(c) for name, c in sorted(models.REGISTRY.items())}


TABLES: dict[str, sa.Table] = _build_all()


def table(name: str) -> sa.Table:
    return TABLES[name]
