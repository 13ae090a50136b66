"""Row → document conversion (store/documents.py RowCodec), for every field kind, on both databases.

The codec is compiled per column set; these tests pin its output: wire forms
({"$oid"}, {"$date"}, stored JSON passed through, non-finite floats as null)
and Python values for services, with nulls kept as nulls.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from kci_backend import wire
from kci_backend.models.base import Collection, Field, Kind
from kci_backend.store.database import PostgresDatabase, SqliteDatabase
from kci_backend.store.documents import RowCodec

KINDS = Collection("codec_kinds", (
    Field("_id", Kind.OID), Field("created_on", Kind.DATE), Field("name"), Field("count", Kind.INT),
    Field("ratio", Kind.FLOAT), Field("flag", Kind.BOOL), Field("data", Kind.JSON),
))
COLUMNS = ("_id", "created_on", "name", "count", "ratio", "flag", "data")
WHEN = datetime(2026, 3, 1, 12, 30, 15, 250000, tzinfo=timezone.utc)
MILLIS = wire.to_millis(WHEN)


def databases():
    return [SqliteDatabase(":memory:"), PostgresDatabase("postgresql://unused/none")]


def stored(db, when=WHEN):
    """How each database hands an instant back: SQLite integer ms, PostgreSQL a datetime."""
    return MILLIS if db.kind == "sqlite" else when


@pytest.mark.parametrize("db", databases(), ids=lambda d: d.kind)
def test_wire_forms(db):
    codec = RowCodec(db, KINDS, COLUMNS)
    row = ("65a1b2c3d4e5f60718293a4b", stored(db), "baseline", 3, 1.5, 1, '{"a": [1, 2]}')
    doc = codec(row)
    assert wire.dumps(doc) == (b'{"_id":{"$oid":"65a1b2c3d4e5f60718293a4b"},"created_on":{"$date":%d},'
                               b'"name":"baseline","count":3,"ratio":1.5,"flag":true,"data":{"a": [1, 2]}}' % MILLIS)


@pytest.mark.parametrize("db", databases(), ids=lambda d: d.kind)
def test_nulls_stay_null_and_non_finite_floats_become_null(db):
    codec = RowCodec(db, KINDS, COLUMNS)
    assert codec((None,) * 7) == dict.fromkeys(COLUMNS)
    for value in (math.nan, math.inf, -math.inf):
        assert codec(("x", None, None, None, value, 0, None))["ratio"] is None
    assert codec(("x", None, None, None, 0.0, 0, None))["flag"] is False


@pytest.mark.parametrize("db", databases(), ids=lambda d: d.kind)
def test_json_already_decoded_is_passed_as_is(db):
    assert RowCodec(db, KINDS, ("data",))(([1, {"b": None}],)) == {"data": [1, {"b": None}]}


@pytest.mark.parametrize("db", databases(), ids=lambda d: d.kind)
def test_python_values_for_services(db):
    codec = RowCodec(db, KINDS, COLUMNS, python=True)
    doc = codec(("65a1b2c3d4e5f60718293a4b", stored(db), "baseline", 3, 1.5, 1, '{"a": [1, 2]}'))
    assert doc == {"_id": "65a1b2c3d4e5f60718293a4b", "created_on": WHEN, "name": "baseline", "count": 3,
                   "ratio": 1.5, "flag": True, "data": {"a": [1, 2]}}
    assert codec((None,) * 7) == dict.fromkeys(COLUMNS)


@pytest.mark.parametrize("db", databases(), ids=lambda d: d.kind)
def test_projection_order_and_empty_projection(db):
    assert list(RowCodec(db, KINDS, ("name", "_id"))(("n", "65a1b2c3d4e5f60718293a4b"))) == ["name", "_id"]
    assert RowCodec(db, KINDS, ())(()) == {}
