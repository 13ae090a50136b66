"""query.md over real HTTP on /job (and the parser for the clock-dependent worked examples)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kci_backend import models
from kci_backend.models import Collection, Field, Kind
from kci_backend.models.base import common_fields
from kci_backend.query.params import Condition, Params, QueryError, parse_filters, parse_list

from .support import millis, utc

JOB = models.get("job")


class Jobs:
    """Jobs of one test, all with the same unique `job` name; queries are scoped to it."""

    def __init__(self, backend, api, unique: str) -> None:
        self.backend, self.api, self.name = backend, api, f"q-{unique}"

    def add(self, *docs: dict) -> list[dict]:
        full = [{"job": self.name, "kernel": "k", "git_branch": "master", "status": "PASS", **d} for d in docs]
        return self.backend.insert("job", *full)

    def get(self, *pairs: tuple[str, str], scoped: bool = True, status: int = 200) -> dict:
        params = ([("job", self.name)] if scoped else []) + list(pairs)
        r = self.api.get("/job", params=params)
        assert r.status_code == status, r.text
        return r.json()

    def kernels(self, *pairs: tuple[str, str], **kw) -> list[str]:
        return sorted(d["kernel"] for d in self.get(*pairs, **kw)["result"])


@pytest.fixture
def jobs(backend, api, unique) -> Jobs:
    return Jobs(backend, api, unique)


def bad_parameter(body: dict, name: str) -> None:
    assert body == {"code": 400, "reason": f"Invalid value for query parameter '{name}'"}


# -- §2 reading the query string -------------------------------------------------------------


def test_values_are_decoded_and_trimmed(jobs):
    jobs.add({"kernel": "a b"}, {"kernel": "c"})
    assert jobs.kernels(("kernel", "  a b  ")) == ["a b"]
    r = jobs.api.get(f"/job?job={jobs.name}&kernel=a+b")
    assert [d["kernel"] for d in r.json()["result"]] == ["a b"]
    r = jobs.api.get(f"/job?job={jobs.name}&kernel=%61%20b")
    assert [d["kernel"] for d in r.json()["result"]] == ["a b"]


def test_control_characters_in_values_become_spaces(jobs):
    jobs.add({"kernel": "a b"}, {"kernel": "ab"})
    assert jobs.kernels(("kernel", "a\tb")) == ["a b"]
    assert jobs.kernels(("kernel", "\na\x7fb\r")) == ["a b"]


def test_empty_values_and_keys_without_equals_are_ignored(jobs):
    jobs.add({"kernel": "a"}, {"kernel": "b"})
    assert jobs.kernels(("kernel", "")) == ["a", "b"]
    r = jobs.api.get(f"/job?kernel&job={jobs.name}&status=")
    assert sorted(d["kernel"] for d in r.json()["result"]) == ["a", "b"]


def test_unknown_keys_and_non_filter_fields_are_ignored(jobs):
    jobs.add({"kernel": "a", "git_url": "u1", "compiler": "gcc"}, {"kernel": "b", "git_url": "u2"})
    assert jobs.kernels(("colour", "blue"), ("jbo", "x")) == ["a", "b"]
    # Stored fields that are not job filter keys (query.md App. A) do not filter.
    assert jobs.kernels(("git_url", "u1"), ("compiler", "clang"), ("version", "9.9")) == ["a", "b"]


def test_job_filter_keys_of_appendix_a(jobs):
    doc = jobs.add({"kernel": "a", "git_commit": "c1", "git_describe": "d1", "kernel_version": "6.1",
                    "status": "FAIL", "git_branch": "br"})[0]
    for key, value in (("git_branch", "br"), ("git_commit", "c1"), ("git_describe", "d1"), ("kernel", "a"),
                       ("kernel_version", "6.1"), ("status", "FAIL"), ("private", "false"), ("_id", doc["_id"])):
        assert jobs.kernels((key, value)) == ["a"], key
        other = {"_id": "0" * 24, "private": "true"}.get(key, "other")
        assert jobs.kernels((key, other)) == [], key


# -- §4 equality, any-of, null ------------------------------------------------------------------------


def test_repeated_keys_mean_any_of_and_keys_combine_with_and(jobs):
    jobs.add({"kernel": "a", "status": "PASS"}, {"kernel": "b", "status": "FAIL"},
             {"kernel": "c", "status": "BUILD"}, {"kernel": "d", "status": "FAIL", "git_branch": "other"})
    assert jobs.kernels(("status", "FAIL"), ("status", "PASS")) == ["a", "b", "d"]
    assert jobs.kernels(("status", "FAIL"), ("git_branch", "master")) == ["b"]
    assert jobs.kernels(("status", "FAIL"), ("status", "PASS"), ("git_branch", "master")) == ["a", "b"]
    assert jobs.kernels(("status", "FAIL"), ("status", "FAIL")) == ["b", "d"]


def test_single_null_means_null_or_missing(jobs):
    jobs.add({"kernel": "a", "kernel_version": None}, {"kernel": "b", "kernel_version": "6.1"},
             {"kernel": "c", "kernel_version": "null"})
    assert jobs.kernels(("kernel_version", "null")) == ["a"]
    # In a multi-value list `null` is the literal string.
    assert jobs.kernels(("kernel_version", "null"), ("kernel_version", "6.1")) == ["b", "c"]


def test_null_on_typed_keys(jobs):
    jobs.add({"kernel": "a", "private": None}, {"kernel": "b", "private": True}, {"kernel": "c"})
    assert jobs.kernels(("private", "null")) == ["a"]
    assert jobs.kernels(("_id", "null")) == []


# -- §5 coercion -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value,expected", [("true", ["b"]), ("TRUE", ["b"]), ("1", ["b"]), ("false", ["a"]),
                                            ("False", ["a"]), ("0", ["a"]), ("yes", ["a", "b"]),
                                            ("2", ["a", "b"])])
def test_boolean_filter_private(jobs, value, expected):
    jobs.add({"kernel": "a", "private": False}, {"kernel": "b", "private": True})
    assert jobs.kernels(("private", value)) == expected


def test_object_id_filter(jobs):
    a, b, _ = jobs.add({"kernel": "a"}, {"kernel": "b"}, {"kernel": "c"})
    assert jobs.kernels(("_id", a["_id"])) == ["a"]
    assert jobs.kernels(("_id", a["_id"].upper())) == ["a"]
    assert jobs.kernels(("_id", a["_id"]), ("_id", b["_id"])) == ["a", "b"]
    # Invalid ObjectId: the filter is silently dropped (and so is the whole key).
    assert jobs.kernels(("_id", "xyz")) == ["a", "b", "c"]
    assert jobs.kernels(("_id", a["_id"]), ("_id", "zzzzzzzzzzzzzzzzzzzzzzzz")) == ["a", "b", "c"]


# The parser on a collection with one field of each kind: coercion of query.md §5.
KINDS = Collection("kinds", common_fields() + (
    Field("n", Kind.INT, filter=True), Field("flag", Kind.BOOL, filter=True), Field("ref", Kind.OID, filter=True),
    Field("when", Kind.DATE, filter=True), Field("name", filter=True), Field("notfilter"),
))
NOW = utc(2015, 7, 13, 12, 35)


def conditions(*pairs: tuple[str, str], collection: Collection = KINDS, now: datetime = NOW) -> set[Condition]:
    return set(parse_filters(collection, Params(pairs), now))


@pytest.mark.parametrize("pairs,expected", [
    ((("n", "3"),), {Condition("n", "eq", 3)}),
    ((("n", "-3"),), {Condition("n", "eq", -3)}),
    ((("n", "+3"),), {Condition("n", "eq", 3)}),
    ((("n", "3"), ("n", "4")), {Condition("n", "in", (3, 4))}),
    ((("n", "3"), ("n", "x")), set()),
    ((("n", "1.5"),), set()),
    ((("n", "٣"),), set()),
    ((("n", "9" * 30),), set()),
    ((("n", "null"),), {Condition("n", "null")}),
    ((("flag", "TRUE"),), {Condition("flag", "eq", True)}),
    ((("flag", "0"),), {Condition("flag", "eq", False)}),
    ((("flag", "no"),), set()),
    ((("ref", "ABCDEF0123456789abcdef01"),), {Condition("ref", "eq", "abcdef0123456789abcdef01")}),
    ((("ref", "abc"),), set()),
    ((("name", "3"),), {Condition("name", "eq", "3")}),
    ((("name", "null"), ("name", "x")), {Condition("name", "in", ("null", "x"))}),
    ((("notfilter", "x"), ("other", "y")), set()),
    ((("when", "2015-07-01"),), {Condition("when", "gte", utc(2015, 7, 1)),
                                 Condition("when", "lt", utc(2015, 7, 1, 23, 59, 59))}),
    ((("gte", "n,2"), ("lt", "n,x")), {Condition("n", "gte", 2)}),
    ((("gte", "ref,abc"), ("lt", "flag,1")), {Condition("flag", "lt", True)}),
    ((("gte", "when,2015-07-01T10:00:00+02:00"),), {Condition("when", "gte", utc(2015, 7, 1, 8))}),
    ((("gte", "when,2015-07-01T10:00:00"),), {Condition("when", "gte", utc(2015, 7, 1, 10))}),
    ((("gte", "when,0001-01-01T00:00:00+01:00"),), set()),
    ((("gte", "when,yesterday"),), set()),
])
def test_coercion_of_each_kind(pairs, expected):
    assert conditions(*pairs) == expected


# -- §6 created_on -------------------------------------------------------------------------------------


def test_created_on_day_window_excludes_the_last_second(jobs):
    jobs.add({"kernel": "before", "created_on": datetime(2014, 12, 7, 23, 59, 59, 999000, tzinfo=timezone.utc)},
             {"kernel": "start", "created_on": utc(2014, 12, 8)},
             {"kernel": "late", "created_on": datetime(2014, 12, 8, 23, 59, 58, 999000, tzinfo=timezone.utc)},
             {"kernel": "last-second", "created_on": utc(2014, 12, 8, 23, 59, 59)},
             {"kernel": "next", "created_on": utc(2014, 12, 9)})
    for value in ("2014-12-08", "20141208"):
        assert jobs.kernels(("created_on", value)) == ["late", "start"]
    assert jobs.kernels(("created_on", "2014-12-9")) == ["next"]


def test_created_on_last_wins_and_bad_values_are_ignored(jobs):
    jobs.add({"kernel": "a", "created_on": utc(2014, 1, 5, 12)}, {"kernel": "b", "created_on": utc(2014, 1, 6, 12)})
    assert jobs.kernels(("created_on", "2014-1-5")) == ["a"]
    assert jobs.kernels(("created_on", "2014-01-06"), ("created_on", "2014-01-05")) == ["a"]
    for bad in ("2014-02-30", "yesterday", "2014/01/05", "14-01-05", "2014-01-05T00:00:00"):
        assert jobs.kernels(("created_on", bad)) == ["a", "b"], bad
    assert jobs.kernels(("created_on", "2014-01-05"), ("created_on", "bad")) == ["a", "b"]


# -- §7 date_range ------------------------------------------------------------------------------------------


def test_date_range_worked_examples():
    day = utc(2014, 8, 8, 15, 30)
    window = conditions(("date_range", "1"), collection=JOB, now=day)
    assert {(c.op, millis(c.value)) for c in window} == {("gte", 1407369600000), ("lt", 1407542399000)}
    window = conditions(("date_range", "5"), collection=JOB, now=day)
    assert ("gte", 1407024000000) in {(c.op, millis(c.value)) for c in window}
    window = conditions(("created_on", "2014-12-08"), ("date_range", "1"), collection=JOB, now=day)
    assert window == {Condition("created_on", "gte", utc(2014, 12, 7)),
                      Condition("created_on", "lt", utc(2014, 12, 8, 23, 59, 59))}


DATE_RANGE_DOCS = [
    ("out-5", datetime(2014, 12, 2, 23, 59, 59, 999000, tzinfo=timezone.utc)),
    ("in-5", utc(2014, 12, 3)),
    ("out-1", datetime(2014, 12, 6, 23, 59, 59, 999000, tzinfo=timezone.utc)),
    ("in-1", utc(2014, 12, 7)),
    ("end", datetime(2014, 12, 8, 23, 59, 58, 999000, tzinfo=timezone.utc)),
    ("last-second", utc(2014, 12, 8, 23, 59, 59)),
    ("after", utc(2014, 12, 9)),
]


@pytest.mark.parametrize("value,expected", [
    ("1", ["end", "in-1"]),
    ("-1", ["end", "in-1"]),
    ("0", ["end"]),
    ("5", ["end", "in-1", "in-5", "out-1"]),
    ("abc", ["end", "in-1", "in-5", "out-1"]),
    ("", ["end", "in-1", "in-5", "out-1"]),
    ("1.5", ["end", "in-1", "in-5", "out-1"]),
    ("1000000000", ["end", "in-1", "in-5", "out-1"]),
])
def test_date_range_ending_on_created_on(jobs, value, expected):
    jobs.add(*({"kernel": k, "created_on": when} for k, when in DATE_RANGE_DOCS))
    assert jobs.kernels(("created_on", "2014-12-08"), ("date_range", value)) == expected


def test_date_range_last_occurrence_wins(jobs):
    jobs.add(*({"kernel": k, "created_on": when} for k, when in DATE_RANGE_DOCS))
    assert jobs.kernels(("date_range", "5"), ("created_on", "2014-12-08"), ("date_range", "0")) == ["end"]


def test_date_range_ends_today_without_created_on(jobs):
    now = datetime.now(timezone.utc)
    jobs.add({"kernel": "now", "created_on": now}, {"kernel": "yesterday", "created_on": now - timedelta(days=1)},
             {"kernel": "old", "created_on": now - timedelta(days=10)})
    assert jobs.kernels(("date_range", "0")) == ["now"]
    assert jobs.kernels(("date_range", "1")) == ["now", "yesterday"]
    assert jobs.kernels(("date_range", "x")) == ["now", "yesterday"]
    assert jobs.kernels(("date_range", "11")) == ["now", "old", "yesterday"]


def test_huge_date_range_has_no_lower_bound(jobs):
    jobs.add({"kernel": "ancient", "created_on": utc(1900, 1, 1)}, {"kernel": "end", "created_on": utc(2014, 12, 8)})
    assert jobs.kernels(("created_on", "2014-12-08"), ("date_range", "999999999")) == ["ancient", "end"]
    assert jobs.kernels(("created_on", "2014-12-08"), ("date_range", "-999999999")) == ["ancient", "end"]


# -- §8 time_range ----------------------------------------------------------------------------------------------


def test_time_range_worked_example():
    window = conditions(("time_range", "10"), collection=JOB)
    assert window == {Condition("created_on", "gte", utc(2015, 7, 13, 12, 25)), Condition("created_on", "lt", NOW)}
    window = conditions(("time_range", "foo"), collection=JOB)
    assert Condition("created_on", "gte", utc(2015, 7, 13, 11, 35)) in window


@pytest.mark.parametrize("value,expected", [
    ("10", ["3m"]), ("5", ["3m"]), ("-30", ["20m", "3m"]), ("foo", ["20m", "3m"]), ("", ["20m", "3m"]),
    ("120", ["20m", "3m", "90m"]), ("2880", ["20m", "23h", "3m", "90m"]), ("99999999999999999999999", ["20m", "23h", "3m", "90m"]),
])
def test_time_range_clamping(jobs, value, expected):
    now = datetime.now(timezone.utc)
    jobs.add(*({"kernel": k, "created_on": now - delta} for k, delta in (
        ("3m", timedelta(minutes=3)), ("20m", timedelta(minutes=20)), ("90m", timedelta(minutes=90)),
        ("23h", timedelta(hours=23)), ("25h", timedelta(hours=25)), ("future", timedelta(minutes=-30)))))
    assert jobs.kernels(("time_range", value)) == expected


def test_time_range_overrides_created_on_date_range_and_ranges(jobs):
    now = datetime.now(timezone.utc)
    jobs.add({"kernel": "recent", "created_on": now - timedelta(minutes=2)},
             {"kernel": "old", "created_on": utc(2014, 12, 8)})
    assert jobs.kernels(("time_range", "10"), ("created_on", "2014-12-08")) == ["recent"]
    assert jobs.kernels(("created_on", "2014-12-08"), ("date_range", "3"), ("time_range", "10")) == ["recent"]
    assert jobs.kernels(("lt", "created_on,2015-01-01"), ("time_range", "10")) == ["recent"]


# -- §9 gte / lt ----------------------------------------------------------------------------------------------------


@pytest.fixture
def lettered(jobs):
    docs = jobs.add(*({"kernel": k, "created_on": utc(2014, 12, 5 + i, 6)} for i, k in enumerate("abcd")))
    return jobs, docs


@pytest.mark.parametrize("pairs,expected", [
    ((("gte", "kernel,b"), ("lt", "kernel,d")), "bc"),
    ((("gte", "kernel,b"),), "bcd"),
    ((("lt", "kernel,b"),), "a"),
    ((("gte", "kernel, b "),), "bcd"),
    ((("gte", "kernel,a"), ("gte", "kernel,c")), "cd"),   # same operator and field: last wins
    ((("gte", "kernel,c"), ("gte", "kernel,a")), "abcd"),
    ((("gte", "kernel"),), "abcd"),                        # no comma
    ((("gte", "kernel,b,c"),), "abcd"),                    # two commas
    ((("gte", "kernel,"),), "abcd"),                       # empty value
    ((("gte", ""),), "abcd"),
    ((("gte", "git_url,b"),), "abcd"),                     # not a filter key of job
    ((("gte", "nosuch,b"),), "abcd"),
    ((("kernel", "b"), ("gte", "kernel,c")), ""),          # equality and range both apply
    ((("kernel", "b"), ("kernel", "c"), ("gte", "kernel,c")), "c"),
    ((("gte", "created_on,2014-12-06"), ("lt", "created_on,20141208")), "bc"),
    ((("gte", "created_on,2014-12-06T06:00:00Z"),), "bcd"),
    ((("gte", "created_on,2014-12-06T06:00:00.001Z"),), "cd"),
    ((("gte", "created_on,2014-12-06T08:00:00+02:00"),), "bcd"),
    ((("gte", "created_on,2014-12-06T06:00:01"),), "cd"),
    ((("lt", "created_on,2014-12-06T07:00:00+01:00"),), "a"),
    ((("gte", "created_on,not-a-date"),), "abcd"),
    ((("created_on", "2014-12-06"), ("gte", "created_on,2014-12-06T12:00:00Z")), ""),
    ((("created_on", "2014-12-06"), ("lt", "created_on,2014-12-06T12:00:00Z")), "b"),
    ((("date_range", "1"), ("created_on", "2014-12-07"), ("gte", "created_on,2014-12-07")), "c"),
    ((("gte", "private,1"),), ""),
    ((("lt", "private,true"),), "abcd"),
])
def test_ranged_filters(lettered, pairs, expected):
    jobs, _ = lettered
    assert "".join(jobs.kernels(*pairs)) == expected


def test_ranged_filters_on_object_ids(lettered):
    jobs, docs = lettered
    ids = [d["_id"] for d in docs]
    assert jobs.kernels(("gte", f"_id,{ids[1]}"), ("lt", f"_id,{ids[3]}")) == ["b", "c"]
    assert jobs.kernels(("gte", f"_id,{ids[2].upper()}")) == ["c", "d"]
    assert jobs.kernels(("gte", "_id,xyz")) == ["a", "b", "c", "d"]


# -- §10 paging ------------------------------------------------------------------------------------------------------


@pytest.fixture
def five(jobs):
    jobs.add(*({"kernel": k} for k in "abcde"))
    return jobs


@pytest.mark.parametrize("pairs,kernels,limit,skip", [
    ((), "abcde", 0, 0),
    ((("limit", "2"),), "ab", 2, 0),
    ((("skip", "3"), ("limit", "10")), "de", 10, 3),
    ((("skip", "5"),), "", 0, 5),
    ((("skip", "1"), ("limit", "0")), "bcde", 0, 1),
    ((("limit", "abc"), ("limit", "2")), "ab", 2, 0),
    ((("limit", "5000"),), "abcde", 5000, 0),
    ((("limit", "99999999999999999999"),), "abcde", 2**31 - 1, 0),
    ((("skip", "99999999999999999999"), ("limit", "1")), "", 1, 2**31 - 1),
    ((("limit", "2147483648"), ("skip", "4294967296")), "", 2**31 - 1, 2**31 - 1),
])
def test_count_is_the_page_size(five, pairs, kernels, limit, skip):
    body = five.get(("sort", "kernel"), ("sort_order", "1"), *pairs)
    assert "".join(d["kernel"] for d in body["result"]) == kernels
    assert (body["count"], body["limit"], body["skip"]) == (len(kernels), limit, skip)


@pytest.mark.parametrize("name,value", [
    ("limit", "abc"), ("limit", "1.5"), ("limit", ""), ("limit", "-1"), ("limit", "1e3"), ("limit", "٣"),
    ("skip", "x"), ("skip", "-1"), ("skip", ""), ("skip", "0x10"),
    ("sort_order", "asc"), ("sort_order", ""), ("sort_order", "1.0"), ("sort_order", "desc"),
])
def test_invalid_paging_values_are_400(jobs, name, value):
    bad_parameter(jobs.get((name, value), status=400), name)
    bad_parameter(jobs.get((name, "1"), (name, value), status=400), name)


# -- §11 sort -----------------------------------------------------------------------------------------------------------


@pytest.fixture
def grid(jobs):
    jobs.add({"kernel": "a1", "status": "FAIL", "git_commit": "1"}, {"kernel": "b2", "status": "PASS", "git_commit": "2"},
             {"kernel": "c3", "status": "FAIL", "git_commit": "3"}, {"kernel": "d4", "status": "PASS", "git_commit": "4"})
    return jobs


def order(jobs, *pairs) -> list[str]:
    return [d["kernel"] for d in jobs.get(*pairs)["result"]]


def test_sort_order_applies_to_every_sort_key(grid):
    assert order(grid, ("sort", "status"), ("sort", "kernel"), ("sort_order", "1")) == ["a1", "c3", "b2", "d4"]
    assert order(grid, ("sort", "status"), ("sort", "kernel"), ("sort_order", "-1")) == ["d4", "b2", "c3", "a1"]
    assert order(grid, ("sort", "status"), ("sort", "kernel")) == ["d4", "b2", "c3", "a1"]
    assert order(grid, ("sort", "kernel"), ("sort", "status"), ("sort_order", "1")) == ["a1", "b2", "c3", "d4"]


@pytest.mark.parametrize("value", ["-1", "0", "2", "-7", "+5"])
def test_sort_order_other_integers_mean_descending(grid, value):
    assert order(grid, ("sort", "kernel"), ("sort_order", value)) == ["d4", "c3", "b2", "a1"]


def test_sort_order_last_wins(grid):
    assert order(grid, ("sort", "kernel"), ("sort_order", "-1"), ("sort_order", "1")) == ["a1", "b2", "c3", "d4"]


def test_sort_happens_before_skip_and_limit(grid):
    assert order(grid, ("sort", "git_commit"), ("sort_order", "-1"), ("skip", "1"), ("limit", "2")) == ["c3", "b2"]


def test_sort_edge_cases_are_harmless(grid):
    assert sorted(order(grid, ("sort_order", "1"))) == ["a1", "b2", "c3", "d4"]
    assert sorted(order(grid, ("sort", ""), ("sort", "no_such_field"))) == ["a1", "b2", "c3", "d4"]
    assert order(grid, ("sort", ""), ("sort", "kernel"), ("sort_order", "1")) == ["a1", "b2", "c3", "d4"]
    assert order(grid, ("sort", "created_on"), ("sort", "kernel"), ("sort_order", "1")) == ["a1", "b2", "c3", "d4"]


# -- §12 projection ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pairs,keys", [
    ((("field", "kernel"), ("field", "status")), {"_id", "kernel", "status"}),
    ((("field", "kernel"), ("field", "kernel")), {"_id", "kernel"}),
    ((("field", "kernel"), ("field", "status"), ("nfield", "_id")), {"kernel", "status"}),
    ((("field", "kernel"), ("field", "status"), ("nfield", "status")), {"_id", "kernel"}),
    ((("field", "kernel"), ("field", "no_such_field")), {"_id", "kernel"}),
    ((("field", "no_such_field"),), {"_id"}),
    ((("field", ""), ("nfield", "")), set(JOB.field_names)),
    ((("field", ""), ("field", "status")), {"_id", "status"}),
])
def test_field_projection(jobs, pairs, keys):
    jobs.add({"kernel": "a", "status": "PASS"})
    (doc,) = jobs.get(*pairs)["result"]
    assert set(doc) == keys


def test_nfield_projection(jobs):
    jobs.add({"kernel": "a"})
    (doc,) = jobs.get(("nfield", "kernel"), ("nfield", "_id"), ("nfield", "no_such"))["result"]
    assert set(doc) == set(JOB.field_names) - {"kernel", "_id"}


@pytest.mark.parametrize("pairs", [
    (("field", "kernel"), ("nfield", "status")),
    (("nfield", "status"), ("field", "kernel"), ("nfield", "_id")),
])
def test_mixed_projection_is_400(jobs, pairs):
    body = jobs.get(*pairs, status=400)
    assert body == {"code": 400, "reason": "Invalid field/nfield combination"}


def test_projection_on_a_single_document(jobs):
    (doc,) = jobs.add({"kernel": "a"})
    r = jobs.api.get(f"/job/{doc['_id']}", params=[("field", "kernel"), ("nfield", "_id")])
    assert r.json() == {"code": 200, "result": [{"kernel": "a"}]}
    r = jobs.api.get(f"/job/{doc['_id']}", params=[("field", "kernel"), ("nfield", "status")])
    assert (r.status_code, r.json()["reason"]) == (400, "Invalid field/nfield combination")
    # Everything else is ignored on a single document, even invalid paging values.
    r = jobs.api.get(f"/job/{doc['_id']}", params=[("limit", "abc"), ("sort_order", "x"), ("job", "other"),
                                                   ("aggregate", "a.b")])
    assert r.status_code == 200 and r.json()["result"][0]["kernel"] == "a"


# -- §13 aggregate ------------------------------------------------------------------------------------------------------


@pytest.fixture
def builds(jobs):
    """Three kernels; k1 twice (first stored has branch b1, later created_on)."""
    return jobs, jobs.add(
        {"kernel": "k1", "git_branch": "b1", "created_on": utc(2020, 7, 14), "git_commit": "c1"},
        {"kernel": "k1", "git_branch": "b2", "created_on": utc(2020, 7, 15), "git_commit": "c0"},
        {"kernel": "k2", "git_branch": "b1", "created_on": utc(2020, 7, 13), "git_commit": "c2"},
        {"kernel": "k3", "git_branch": "b1", "created_on": utc(2020, 7, 16), "git_commit": "c3"},
    )


def test_aggregate_with_fields_and_max_of_sort_fields(builds):
    jobs, _ = builds
    body = jobs.get(("aggregate", "kernel"), ("sort", "created_on"), ("sort_order", "-1"), ("limit", "2"),
                    ("field", "job"), ("field", "kernel"), ("field", "git_branch"), ("field", "created_on"))
    assert body == {"code": 200, "limit": 2, "result": [
        {"_id": {"kernel": "k3"}, "job": jobs.name, "kernel": "k3", "git_branch": "b1",
         "created_on": {"$date": millis(utc(2020, 7, 16))}},
        {"_id": {"kernel": "k1"}, "job": jobs.name, "kernel": "k1", "git_branch": "b1",
         "created_on": {"$date": millis(utc(2020, 7, 15))}},
    ]}


def test_aggregate_with_min_of_sort_fields_ascending(builds):
    jobs, _ = builds
    body = jobs.get(("aggregate", "kernel"), ("sort", "created_on"), ("sort_order", "1"), ("field", "git_commit"))
    assert body["result"] == [
        {"_id": {"kernel": "k2"}, "git_commit": "c2", "created_on": {"$date": millis(utc(2020, 7, 13))}},
        {"_id": {"kernel": "k1"}, "git_commit": "c1", "created_on": {"$date": millis(utc(2020, 7, 14))}},
        {"_id": {"kernel": "k3"}, "git_commit": "c3", "created_on": {"$date": millis(utc(2020, 7, 16))}},
    ]
    # A sort field that is also asked for gets the max/min, not the first document's value.
    body = jobs.get(("aggregate", "kernel"), ("sort", "git_commit"), ("sort_order", "-1"), ("field", "git_commit"),
                    ("kernel", "k1"))
    assert body["result"] == [{"_id": {"kernel": "k1"}, "git_commit": "c1"}]


def test_aggregate_max_and_min_of_a_boolean_sort_field(jobs):
    jobs.add({"kernel": "k1", "git_branch": "b1", "private": False}, {"kernel": "k1", "git_branch": "b2", "private": True},
             {"kernel": "k1", "git_branch": "b3", "private": None}, {"kernel": "k2", "private": False})
    pick = lambda order: {item["_id"]["kernel"]: item["private"] for item in jobs.get(
        ("aggregate", "kernel"), ("sort", "private"), ("sort_order", order), ("field", "kernel"))["result"]}
    assert pick("-1") == {"k1": True, "k2": False}
    assert pick("1") == {"k1": False, "k2": False}


def test_aggregate_without_fields_returns_a_whole_document(builds):
    jobs, docs = builds
    body = jobs.get(("aggregate", "kernel"), ("kernel", "k1"))
    (item,) = body["result"]
    assert item["_id"] == {"kernel": "k1"}
    assert item["result"]["_id"] == {"$oid": docs[0]["_id"]}
    assert item["result"]["git_branch"] == "b1" and item["result"]["job"] == jobs.name
    body = jobs.get(("aggregate", "kernel"), ("kernel", "k1"), ("sort", "created_on"))
    (item,) = body["result"]
    assert item["created_on"] == {"$date": millis(utc(2020, 7, 15))}
    assert item["result"]["created_on"] == {"$date": millis(utc(2020, 7, 14))}


def test_aggregate_on_several_fields_and_with_nfield_only(builds):
    jobs, _ = builds
    body = jobs.get(("aggregate", "kernel"), ("aggregate", "git_branch"), ("sort", "kernel"),
                    ("sort", "git_branch"), ("sort_order", "1"), ("nfield", "status"))
    assert [item["_id"] for item in body["result"]] == [
        {"kernel": "k1", "git_branch": "b1"}, {"kernel": "k1", "git_branch": "b2"},
        {"kernel": "k2", "git_branch": "b1"}, {"kernel": "k3", "git_branch": "b1"}]
    assert set(body["result"][0]) == {"_id", "kernel", "git_branch"}
    body = jobs.get(("aggregate", "kernel"), ("nfield", "status"), ("sort", "kernel"), ("sort_order", "1"))
    assert body["result"] == [{"_id": {"kernel": k}, "kernel": k} for k in ("k1", "k2", "k3")]


def test_aggregate_ignores_skip_and_field_id(builds):
    jobs, _ = builds
    body = jobs.get(("aggregate", "kernel"), ("sort", "kernel"), ("sort_order", "1"), ("skip", "2"),
                    ("field", "_id"), ("field", "kernel"))
    assert body == {"code": 200, "limit": 0, "result": [
        {"_id": {"kernel": k}, "kernel": k} for k in ("k1", "k2", "k3")]}


@pytest.mark.parametrize("pairs", [
    (("aggregate", "a.b"),), (("aggregate", "$kernel"),), (("aggregate", "kernel"), ("field", "a.b")),
    (("aggregate", "kernel"), ("field", "$x")),
])
def test_invalid_aggregate_fields_are_400(jobs, pairs):
    assert jobs.get(*pairs, status=400) == {"code": 400, "reason": "Invalid aggregate field"}


def test_aggregate_still_validates_paging(jobs):
    bad_parameter(jobs.get(("aggregate", "kernel"), ("limit", "x"), status=400), "limit")


# -- the parser never lets an unexpected exception out (hypothesis does more) -------------------------------------


@pytest.mark.parametrize("pairs", [
    [("limit", "1" * 5000)], [("skip", "9" * 40)], [("date_range", "9" * 5000)], [("time_range", "-" + "9" * 50)],
    [("gte", "created_on,9999-12-31T23:59:59-05:00")], [("created_on", "0000-01-01")],
    [("created_on", "99999-01-01")], [("aggregate", "$")], [("field", "\x00")], [("sort", "\udcff")],
])
def test_parser_edge_values(pairs):
    try:
        parse_list(JOB, pairs)
    except QueryError:
        pass
