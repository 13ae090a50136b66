"""A stored null is a distinct value (distinct.md §3): listed first, and counted."""


def test_null_is_a_distinct_value(backend, api, unique):
    name = f"dn-{unique}"
    backend.insert("job", {"job": name, "kernel": "a", "git_branch": "m", "git_url": "https://x"},
                   {"job": name, "kernel": "b", "git_branch": "m"},
                   {"job": name, "kernel": "c", "git_branch": "m", "git_url": "https://w"})
    body = api.get("/job/distinct/git_url", params={"job": name}).json()
    assert body == {"code": 200, "count": 3, "result": [None, "https://w", "https://x"]}


def test_count_distinct_counts_null(backend, api, unique):
    name = f"dn-{unique}"
    backend.insert("test_group", {"name": "baseline", "job": name, "kernel": "k", "lab_name": "lab-a"},
                   {"name": "baseline", "job": name, "kernel": "k2", "lab_name": None},
                   {"name": "baseline", "job": name, "kernel": "k3", "lab_name": "lab-a"})
    r = api.get("/test/group/count/distinct/lab_name", params={"job": name})
    assert r.json() == {"code": 200, "result": [{"count": 2, "field": "lab_name"}]}
