"""/batch operations answer as their HTTP endpoints do (batch.md §2.4, §3, §4)."""

from __future__ import annotations

import pytest

from kci_backend import models


def batch(api, *ops: dict) -> list:
    r = api.post("/batch", json={"batch": list(ops)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"code", "result"} and body["code"] == 200
    assert len(body["result"]) == len(ops)
    return body["result"]


@pytest.fixture
def jobs(backend, unique):
    """Three jobs of one tree (next-<unique>) and one of another."""
    name = f"next-{unique}"
    docs = backend.insert(
        "job",
        {"job": name, "kernel": "v1", "git_branch": "master", "status": "PASS", "compiler": "gcc"},
        {"job": name, "kernel": "v2", "git_branch": "master", "status": "FAIL", "compiler": "clang"},
        {"job": name, "kernel": "v3", "git_branch": "dev", "status": "FAIL", "compiler": "gcc"},
        {"job": f"other-{unique}", "kernel": "v1", "git_branch": "master", "status": "PASS"},
    )
    return name, docs


def test_unsupported_resources_give_null(api):
    ops = [{}, {"method": "GET"}, {"method": "GET", "resource": "defconfig", "operation_id": "x"},
           {"method": "GET", "resource": "lab"}, {"method": "GET", "resource": "token"},
           {"method": "GET", "resource": "daily_stats", "distinct": "version"},
           {"method": "GET", "resource": 5}, {"method": "GET", "resource": "test/case"}]
    assert batch(api, *ops) == [None] * len(ops)


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "get", None, 1])
def test_only_get_does_something(api, method):
    op = {"resource": "job", "operation_id": "op-0"}
    if method is not None:
        op["method"] = method
    assert batch(api, op) == [{"operation_id": "op-0", "result": []}]


@pytest.mark.parametrize("op_id,shown", [("", False), (0, False), (False, False), (None, False),
                                          ("op-1", True), (7, True)])
def test_operation_id_echoed_when_not_empty(api, op_id, shown):
    [entry] = batch(api, {"method": "GET", "resource": "count", "document": "job", "operation_id": op_id,
                          "query": "job=none-such"})
    assert entry["result"] == [{"collection": "job", "count": 0}]
    assert ("operation_id" in entry) is shown
    if shown:
        assert entry["operation_id"] == op_id


def test_count_matches_the_count_endpoint(api, jobs):
    name, _ = jobs
    query = f"job={name}&status=FAIL"
    one, every, other, wrong = batch(
        api,
        {"method": "GET", "resource": "count", "document": "job", "query": query, "operation_id": "a"},
        {"method": "GET", "resource": "count", "query": query},
        {"method": "GET", "resource": "count", "document": "lab"},
        {"method": "GET", "resource": "count", "document": 5},
    )
    assert one == {"operation_id": "a", "result": [{"collection": "job", "count": 2}]}
    http_all = api.get("/count", params={"job": name, "status": "FAIL"}).json()["result"]
    assert every == {"result": http_all}
    assert [c["collection"] for c in http_all] == [
        c for c in ("boot", "build", "job", "test_case", "test_group", "test_regression") if c in models.REGISTRY]
    assert other == {"result": []} and wrong == {"result": []}


def test_count_ignores_list_controls(api, jobs):
    name, _ = jobs
    [entry] = batch(api, {"method": "GET", "resource": "count", "document": "job",
                          "query": f"job={name}&limit=1&skip=2&sort=kernel"})
    assert entry["result"] == [{"collection": "job", "count": 3}]


def test_fetch_one_document(api, jobs):
    _, docs = jobs
    doc_id = docs[0]["_id"]
    found, projected, upper, missing, bad = batch(
        api,
        {"method": "GET", "resource": "job", "document": doc_id, "query": "status=FAIL&limit=abc"},
        {"method": "GET", "resource": "job", "document": doc_id, "query": "field=kernel"},
        {"method": "GET", "resource": "job", "document": doc_id.upper()},
        {"method": "GET", "resource": "job", "document": "5f0c0c0c0c0c0c0c0c0c0c0c"},
        {"method": "GET", "resource": "job", "document": "not-an-id"},
    )
    http = api.get(f"/job/{doc_id}").json()["result"]
    assert found == {"result": http}
    assert projected == {"result": [{"_id": {"$oid": doc_id}, "kernel": "v1"}]}
    assert upper == {"result": http}
    assert missing == {"result": []} and bad == {"result": []}


def test_list_query(api, jobs):
    name, _ = jobs
    query = f"job={name}&sort=kernel&sort_order=1&field=kernel&field=status&limit=2&skip=1"
    [entry] = batch(api, {"method": "GET", "resource": "job", "query": query, "operation_id": "op-1"})
    http = api.get(f"/job?{query}").json()
    assert entry == {"operation_id": "op-1", "result": [{"result": http["result"], "count": 2, "limit": 2}]}
    assert [d["kernel"] for d in http["result"]] == ["v2", "v3"]


def test_list_without_limit(api, jobs):
    name, _ = jobs
    [entry] = batch(api, {"method": "GET", "resource": "job", "query": f"job={name}&status=FAIL&nfield=compiler"})
    [inner] = entry["result"]
    assert inner["count"] == 2 and inner["limit"] == 0 and set(inner) == {"result", "count", "limit"}
    assert sorted(d["kernel"] for d in inner["result"]) == ["v2", "v3"]
    assert all("compiler" not in d for d in inner["result"])


def test_aggregate(api, jobs):
    name, _ = jobs
    query = f"job={name}&aggregate=git_branch&sort=kernel&field=kernel"
    [entry] = batch(api, {"method": "GET", "resource": "job", "query": query})
    http = api.get(f"/job?{query}").json()
    assert entry == {"result": http["result"]}
    assert {g["_id"]["git_branch"]: g["kernel"] for g in entry["result"]} == {"master": "v2", "dev": "v3"}


def test_distinct_and_count_distinct(api, jobs):
    name, _ = jobs
    distinct, count_distinct, by_resource, bad_field, bad_document, on_count = batch(
        api,
        {"method": "GET", "resource": "job", "distinct": "kernel", "query": f"job={name}&status=FAIL",
         "operation_id": "d"},
        {"method": "GET", "resource": "job", "document": "job", "distinct": "compiler", "query": f"job={name}"},
        {"method": "GET", "resource": "count", "document": "job", "distinct": "git_branch",
         "query": f"job={name}"},
        {"method": "GET", "resource": "job", "distinct": "status"},
        {"method": "GET", "resource": "job", "document": "lab", "distinct": "name"},
        {"method": "GET", "resource": "count", "distinct": "kernel"},
    )
    http = api.get("/job/distinct/kernel", params={"job": name, "status": "FAIL"}).json()
    assert distinct == {"operation_id": "d", "result": [{"result": http["result"], "count": http["count"]}]}
    assert http["result"] == ["v2", "v3"]
    assert count_distinct == {"result": [{"field": "compiler", "count": 2, "resource": "job"}]}
    assert by_resource == {"result": [{"field": "git_branch", "count": 2, "resource": "job"}]}
    assert bad_field == bad_document == on_count == {"result": []}


def test_entries_in_request_order(api, jobs):
    name, docs = jobs
    result = batch(
        api,
        {"method": "GET", "operation_id": "op-0", "resource": "count", "document": "job", "query": f"job={name}"},
        {"method": "GET", "operation_id": "op-1", "resource": "job", "query": f"job={name}&field=kernel&limit=1"},
        {"method": "GET", "operation_id": "op-2", "resource": "job", "document": docs[3]["_id"]},
        {"method": "GET", "operation_id": "op-3", "resource": "job", "distinct": "git_branch",
         "query": f"job={name}"},
        {"method": "GET", "operation_id": "op-5", "resource": "defconfig"},
    )
    assert [e and e["operation_id"] for e in result] == ["op-0", "op-1", "op-2", "op-3", None]
    assert result[2]["result"][0]["job"] == docs[3]["job"]
    assert result[3]["result"] == [{"result": ["dev", "master"], "count": 2}]


def test_query_string_rules(backend, api, unique):
    name = f"plus+{unique}"
    backend.insert("job", {"job": name, "kernel": "a=b", "git_branch": "x y", "status": "PASS"})

    def count(query: str) -> int:
        [entry] = batch(api, {"method": "GET", "resource": "count", "document": "job", "query": query})
        return entry["result"][0]["count"]

    assert count(f"job={name}") == 1  # `+` is a literal plus
    assert count(f"?job={name}") == 1  # one leading `?` dropped
    assert count(f"jo%62=plus%2B{unique}") == 1  # key and value percent-decoded
    assert count(f"job={name}&kernel=a=b") == 1  # split on the first `=` only
    assert count(f"job={name}&git_branch=x%20y") == 1
    assert count(f"job={name}&git_branch=x+y") == 0
    assert count(f"job=%20{name}%20") == 1  # values trimmed
    assert count(f"job={name}&&status&status=PASS") == 1  # empty pieces and pieces without `=` ignored
    assert count(f"job={name}&kernel=") == 1  # empty values ignored
    assert count(f"job={name}&job={name}") == 1


def test_query_gte_lt_in_query_order(api, jobs):
    name, _ = jobs
    [entry] = batch(api, {"method": "GET", "resource": "count", "document": "job",
                          "query": f"job={name}&gte=kernel,v0&gte=kernel,v2&lt=kernel,v9"})
    assert entry["result"] == [{"collection": "job", "count": 2}]


@pytest.mark.parametrize("collection", ["boot", "build", "test_case", "test_group", "test_regression"])
def test_collections_take_part_once_declared(api, unique, collection):
    ops = [
        {"method": "GET", "resource": collection, "query": f"job=none-{unique}&limit=5"},
        {"method": "GET", "resource": "count", "document": collection, "query": f"job=none-{unique}"},
        {"method": "GET", "resource": collection, "document": "5f0c0c0c0c0c0c0c0c0c0c0c"},
    ]
    listed, counted, fetched = batch(api, *ops)
    if collection not in models.REGISTRY:
        assert listed is None and fetched is None and counted == {"result": []}
        return
    assert listed == {"result": [{"result": [], "count": 0, "limit": 5}]}
    assert counted == {"result": [{"collection": collection, "count": 0}]}
    assert fetched == {"result": []}
    fields = sorted(models.get(collection).distinct_keys)
    if fields:
        [values] = batch(api, {"method": "GET", "resource": collection, "distinct": fields[0],
                               "query": f"job=none-{unique}"})
        assert values == {"result": [{"result": [], "count": 0}]}


def test_large_lists_are_streamed_whole(backend, api, unique):
    name = f"big-{unique}"
    backend.insert("job", *({"job": name, "kernel": f"k{i:04d}", "git_branch": "master", "status": "PASS"}
                            for i in range(1205)))
    everything, over_limit, small, counted = batch(
        api,
        {"method": "GET", "resource": "job", "query": f"job={name}&field=kernel", "operation_id": "all"},
        {"method": "GET", "resource": "job", "query": f"job={name}&limit=1100&sort=kernel&sort_order=1"},
        {"method": "GET", "resource": "job", "query": f"job={name}&limit=3&field=kernel&sort=kernel"},
        {"method": "GET", "resource": "count", "document": "job", "query": f"job={name}"},
    )
    assert everything["operation_id"] == "all"
    [inner] = everything["result"]
    assert inner["count"] == 1205 and inner["limit"] == 0
    assert sorted(d["kernel"] for d in inner["result"]) == [f"k{i:04d}" for i in range(1205)]
    [inner] = over_limit["result"]
    assert inner["count"] == 1100 and inner["limit"] == 1100 and inner["result"][0]["kernel"] == "k0000"
    assert [d["kernel"] for d in small["result"][0]["result"]] == ["k1204", "k1203", "k1202"]
    assert counted["result"] == [{"collection": "job", "count": 1205}]
    # gzip applies to the streamed answer too.
    r = api.post("/batch", json={"batch": [{"method": "GET", "resource": "job", "query": f"job={name}"}]},
                 headers={"Accept-Encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.json()["result"][0]["result"][0]["count"] == 1205


@pytest.mark.parametrize("query", ["time=5", "time=5&warnings=abc", "time=null"])
def test_count_filters_behave_as_count_endpoint_on_numeric_fields(api, query):
    # `time` is a text count filter but a number in test documents: it matches nothing (count.md §2.1).
    [every] = batch(api, {"method": "GET", "resource": "count", "query": query})
    assert every == {"result": api.get(f"/count?{query}").json()["result"]}
    for collection in ("test_case", "test_group"):
        if collection in models.REGISTRY:
            [one] = batch(api, {"method": "GET", "resource": "count", "document": collection, "query": query})
            assert one == {"result": api.get(f"/count/{collection}?{query}").json()["result"]}


@pytest.mark.parametrize("collection,docs,query", [
    ("build", [{"job": "J", "kernel": "k", "arch": "x86", "kconfig_fragments": ["frag.config"]},
               {"job": "J", "kernel": "k", "arch": "mips", "kconfig_fragments": ["other"]}],
     "job=J&kconfig_fragments=frag.config&sort=arch"),
    ("test_group", [{"job": "J", "name": "baseline", "time": 5.0}, {"job": "J", "name": "smoke", "time": 1.0}],
     "job=J&_id=ID&sort=name"),
    ("test_group", [{"job": "J", "name": "baseline", "time": 5.0}], "job=J&time=5"),
    ("test_case", [{"job": "J", "name": "login", "time": 5.0}], "job=J&gte=time,1"),
])
def test_resource_list_rules_apply_in_batch_too(backend, api, unique, collection, docs, query):
    """Rules a resource adds to its list GET (build fragments, no `_id` filter and a `time`
    that never matches on tests) give the same answer through /batch."""
    if collection not in models.REGISTRY:
        pytest.skip(f"{collection} is not declared")
    job = f"rules-{unique}"
    stored = backend.insert(collection, *({**d, "job": job} for d in docs))
    query = query.replace("job=J", f"job={job}").replace("ID", stored[0]["_id"])
    path = {"build": "/build", "test_group": "/test/group", "test_case": "/test/case"}[collection]
    http = api.get(f"{path}?{query}").json()
    [entry] = batch(api, {"method": "GET", "resource": collection, "query": query})
    assert entry == {"result": [{"result": http["result"], "count": http["count"], "limit": 0}]}
    expected = {"build": 1, "test_group": 2 if "_id" in query else 0, "test_case": 0}[collection]
    assert http["count"] == expected
