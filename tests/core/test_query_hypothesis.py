"""Property tests of the query language: any query string is a result or a clean 400."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kci_backend import models
from kci_backend.query.params import Params, QueryError, parse_filters, parse_list, parse_pairs, parse_projection

JOB = models.get("job")
TOKEN = models.get("token")

CONTROL_KEYS = ["limit", "skip", "sort", "sort_order", "field", "nfield", "created_on", "date_range", "time_range",
                "gte", "lt", "aggregate"]
FIELD_NAMES = sorted(set(JOB.field_names) | set(TOKEN.field_names) | {"token", "a.b", "$x", "", "nosuch"})

keys = st.one_of(st.sampled_from(CONTROL_KEYS + FIELD_NAMES), st.text(max_size=8))
numbers = st.one_of(st.integers(), st.integers(min_value=-(10**40), max_value=10**40),
                    st.floats(allow_nan=True, allow_infinity=True)).map(str)
days = st.dates().map(lambda d: st.sampled_from([d.isoformat(), d.strftime("%Y%m%d"),
                                                  f"{d.year:04d}-{d.month}-{d.day}"])).flatmap(lambda s: s)
instants = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
plain = st.one_of(st.text(max_size=20), st.sampled_from(["null", "true", "false", "0", "1", "-1", "", " ", ","]),
                  st.from_regex(r"[0-9a-fA-F]{24}", fullmatch=True), numbers, days, instants)
ranged = st.tuples(st.sampled_from(FIELD_NAMES), plain).map(lambda t: f"{t[0]},{t[1]}")
values = st.one_of(plain, ranged, st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
pairs = st.lists(st.tuples(keys, values), max_size=12)


def _parses_or_refuses(collection, query_pairs) -> None:
    try:
        parse_list(collection, query_pairs)
    except QueryError as exc:
        assert exc.reason
    parse_filters(collection, Params(query_pairs))  # filters alone never refuse anything


@settings(max_examples=400, deadline=None)
@given(pairs)
def test_parse_list_raises_only_query_errors(query_pairs):
    for collection in (JOB, TOKEN):
        _parses_or_refuses(collection, query_pairs)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["field", "nfield"]), st.sampled_from(FIELD_NAMES)), max_size=6))
def test_projection_is_a_subset_of_visible_fields_or_refused(query_pairs):
    try:
        columns = parse_projection(JOB, Params(query_pairs))
    except QueryError as exc:
        assert exc.reason == "Invalid field/nfield combination"
        return
    if columns is not None:
        assert set(columns) <= set(JOB.field_names)
        assert not set(columns) & {v for k, v in query_pairs if k == "nfield"}


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=80), st.text(max_size=80)))
def test_parse_pairs_accepts_anything(query_string):
    for key, value in parse_pairs(query_string):
        assert value == value.strip()
        assert not any(ord(c) < 32 or ord(c) == 127 for c in value)


query_strings = st.one_of(
    pairs.map(urlencode),
    st.text(alphabet=st.sampled_from("abcdefgiklmnorstu_=&%+,-.:0123456789 $"), max_size=60),
)


@pytest.mark.parametrize("path", ["/job", "/token"])
def test_http_list_answers_200_or_400(backend, unique, path):
    """/job, and /token for its boolean, date and JSON fields."""
    backend.insert("job", *({"job": f"hyp-{unique}", "kernel": f"k{i}", "git_branch": "master"} for i in range(3)))
    client = backend.client(backend.admin_token)

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(query_strings)
    def check(query_string):
        r = client.get(f"{path}?{query_string}")  # a 500 fails through the client's hook
        assert r.status_code in (200, 400), (query_string, r.text)
        body = r.json()
        assert body["code"] == r.status_code
        if r.status_code == 400:
            assert set(body) == {"code", "reason"} and body["reason"]
        elif "count" in body:
            assert body["count"] == len(body["result"])
        else:
            assert set(body) == {"code", "limit", "result"}  # aggregated

    check()
