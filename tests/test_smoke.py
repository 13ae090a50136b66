"""End-to-end smoke: the server answers on both databases."""


def test_version_is_open(anon):
    r = anon.get("/version")
    assert r.status_code == 200
    result = r.json()["result"]
    assert result[0]["version"] and result[0]["full_version"].startswith(result[0]["version"])


def test_job_list_filters(backend, api, unique):
    backend.insert("job", {"job": f"next-{unique}", "kernel": "k1", "git_branch": "master", "status": "PASS"},
                   {"job": f"next-{unique}", "kernel": "k2", "git_branch": "master", "status": "FAIL"})
    r = api.get("/job", params={"job": f"next-{unique}", "status": "FAIL"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 1 and body["result"][0]["kernel"] == "k2"
    assert set(body["result"][0]["_id"]) == {"$oid"}
    assert set(body["result"][0]["created_on"]) == {"$date"}
