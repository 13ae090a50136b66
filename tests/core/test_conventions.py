"""conventions.md over real HTTP: URL forms, methods, envelope, bodies, gzip, ETag, CORS."""

from __future__ import annotations

import gzip
import hashlib
import re
from datetime import datetime, timezone

import pytest

from .support import JSON_TYPE, NOT_ALLOWED, NOT_FOUND, TIGHT_BODY_BYTES, TIGHT_ORIGIN, millis, raw

MISSING_ID = "0123456789abcdef01234567"


@pytest.fixture
def job(backend, unique):
    """One stored job: (its _id, its natural key)."""
    key = {"job": f"conv-{unique}", "kernel": "v6.1", "git_branch": "master"}
    doc = backend.insert("job", {**key, "status": "BUILD"})[0]
    return doc["_id"], key


def core_paths(job_id: str, token_value: str) -> list[str]:
    """Every route form of the core, singular and plural, with and without a trailing slash."""
    bases = [
        "/job", f"/job/{job_id}", "/job/distinct/kernel", "/count", "/count/job",
        "/token", f"/token/{token_value}",
    ]
    forms = []
    for base in bases:
        first, _, rest = base[1:].partition("/")
        for word in (first, first + "s"):
            path = f"/{word}" + (f"/{rest}" if rest else "")
            forms += [path, path + "/"]
    return forms + ["/version", "/version/"]


# -- §3 URL forms ----------------------------------------------------------------------------


def test_every_core_route_answers_in_plural_and_trailing_slash_forms(backend, api, job):
    job_id, _ = job
    token_value = backend.token(get=1)
    for path in core_paths(job_id, token_value):
        r = api.get(path)
        assert r.status_code == 200, (path, r.text)
        assert r.json()["code"] == 200


def test_trailing_slash_is_not_part_of_the_id(api, job):
    job_id, _ = job
    r = api.get(f"/jobs/{job_id}/")
    assert r.json()["result"][0]["_id"] == {"$oid": job_id}
    assert api.get("/count/job/").json()["result"] == api.get("/count/job").json()["result"]


@pytest.mark.parametrize("path", [
    "/nope", "/jobx", "/job//", "/job/abc", "/job/0123456789abcdef0123456", "/JOB", "/Job",
    "/v1/job", "/countjob", "/tokenXYZ", "/versions", "/version/x", "/job/0123456789abcdef01234567/nope",
    "/count/job/x", "/token/a/b", "/",
])
def test_unknown_paths_get_the_message_404(api, path):
    for method in ("GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "HEAD"):
        r = api.request(method, path)
        assert r.status_code == 404, method
        if method != "HEAD":
            assert r.json() == NOT_FOUND, method
            assert r.headers["content-type"] == JSON_TYPE


def test_unknown_path_404_with_and_without_token(anon):
    r = anon.get("/no/such/route")
    assert (r.status_code, r.json()) == (404, NOT_FOUND)


def test_malformed_and_missing_ids(api):
    r = api.get("/job/zzzzzzzzzzzzzzzzzzzzzzzz")
    assert (r.status_code, r.json()) == (400, {"code": 400, "reason": "Wrong ID value provided"})
    r = api.get(f"/job/{MISSING_ID}")
    assert (r.status_code, r.json()) == (404, {"code": 404, "reason": f"Resource '{MISSING_ID}' not found"})


def test_upper_case_hex_id_finds_the_document(api, job):
    job_id, _ = job
    r = api.get(f"/job/{job_id.upper()}")
    assert r.status_code == 200 and r.json()["result"][0]["_id"] == {"$oid": job_id}


# -- §4 methods ---------------------------------------------------------------------------------


def test_options_is_200_without_a_token_on_every_core_route(backend, anon, job):
    job_id, _ = job
    for path in core_paths(job_id, "some-token-value"):
        r = anon.options(path)
        assert (r.status_code, r.json()) == (200, {"code": 200}), path
        assert r.headers["content-type"] == JSON_TYPE


@pytest.mark.parametrize("method", ["PATCH", "PROPFIND", "TRACE"])
def test_unsupported_verbs_are_405_on_every_core_route(anon, api, job, method):
    job_id, _ = job
    for client in (anon, api):
        for path in core_paths(job_id, "some-token-value"):
            r = client.request(method, path)
            assert r.status_code == 405, (method, path)
            assert r.json() == NOT_ALLOWED
            assert r.headers["content-type"] == JSON_TYPE


def test_head_is_405(anon, api, job):
    job_id, _ = job
    for client in (anon, api):
        for path in core_paths(job_id, "some-token-value"):
            assert client.head(path).status_code == 405, path


# Which verbs answer 501 before the token check, with which body (token.md §4.1, count.md §3,
# version.md §3, distinct.md §7).
NO_AUTH_501 = [
    ("POST", "/count", {"code": 501, "reason": "Method not implemented"}),
    ("DELETE", "/count", {"code": 501, "reason": "Method not implemented"}),
    ("POST", "/counts/job/", {"code": 501, "reason": "Method not implemented"}),
    ("DELETE", "/count/job", {"code": 501, "reason": "Method not implemented"}),
    ("POST", "/version", {"code": 501}),
    ("DELETE", "/version", {"code": 501}),
    ("POST", "/job/distinct/kernel", {"code": 501}),
    ("PUT", "/jobs/distinct/kernel/", {"code": 501}),
    ("DELETE", "/job/distinct/kernel", {"code": 501}),
    ("DELETE", "/job/distinct/not_a_field", {"code": 501}),
]


@pytest.mark.parametrize("method,path,body", NO_AUTH_501)
def test_501_before_auth(anon, backend, method, path, body):
    for client in (anon, backend.client("not-a-token")):
        r = client.request(method, path, json={"a": 1})
        assert (r.status_code, r.json()) == (501, body)
        assert r.headers["content-type"] == JSON_TYPE


AFTER_AUTH_501 = [("PUT", "/count"), ("PUT", "/count/job"), ("PUT", "/version"), ("PUT", "/job"),
                  ("PUT", f"/job/{MISSING_ID}")]


@pytest.mark.parametrize("method,path", AFTER_AUTH_501)
def test_501_after_auth(anon, backend, method, path):
    r = anon.request(method, path, json={"a": 1})
    assert (r.status_code, r.json()) == (403, {"code": 403})
    r = backend.client(backend.token(post=1)).request(method, path, json={"a": 1})
    assert (r.status_code, r.json()) == (501, {"code": 501})


# -- §5 envelope and §6 values ---------------------------------------------------------------------


def test_envelope_keys_per_kind_of_answer(api, anon, job):
    job_id, key = job
    listing = api.get("/job", params={"job": key["job"], "limit": 5}).json()
    assert set(listing) == {"code", "count", "limit", "skip", "result"}
    assert (listing["count"], listing["limit"], listing["skip"]) == (1, 5, 0)
    single = api.get(f"/job/{job_id}").json()
    assert set(single) == {"code", "result"} and len(single["result"]) == 1
    empty = api.get("/job", params={"job": "no-such-job-anywhere"}).json()
    assert empty == {"code": 200, "count": 0, "limit": 0, "skip": 0, "result": []}
    aggregated = api.get("/job", params={"job": key["job"], "aggregate": "kernel"}).json()
    assert set(aggregated) == {"code", "limit", "result"}
    distinct = api.get("/job/distinct/kernel", params={"job": key["job"]}).json()
    assert distinct == {"code": 200, "count": 1, "result": ["v6.1"]}
    assert set(api.get("/count").json()) == {"code", "result"}
    assert set(anon.get("/version").json()) == {"code", "result"}
    assert anon.get("/job").json() == {"code": 403}
    updated = api.post("/job", json={**key, "status": "PASS"}).json()
    assert set(updated) == {"code", "reason"} and updated["code"] == 200


def test_no_null_envelope_keys(api, job):
    _, key = job
    for path, params in (("/job", {"job": key["job"]}), ("/count", {}), ("/job/distinct/job", {})):
        body = api.get(path, params=params).json()
        assert all(value is not None for value in body.values())


def test_oid_and_date_wire_forms(backend, api, unique):
    created = datetime(2021, 3, 4, 5, 6, 7, 891234, tzinfo=timezone.utc)
    doc = backend.insert("job", {"job": f"wire-{unique}", "kernel": "k", "git_branch": "b",
                                 "created_on": created})[0]
    result = api.get("/job", params={"job": f"wire-{unique}"}).json()["result"][0]
    assert result["_id"] == {"$oid": doc["_id"]}
    assert re.fullmatch(r"[0-9a-f]{24}", result["_id"]["$oid"])
    assert result["created_on"] == {"$date": millis(created)} == {"$date": 1614834367891}
    assert result["private"] is False


def test_utf8_is_sent_raw(backend, api, unique):
    kernel = "kérnel-ñ-€-😀"
    backend.insert("job", {"job": f"utf8-{unique}", "kernel": kernel, "git_branch": "b"})
    api.headers["accept-encoding"] = "identity"
    r = raw(api, "GET", "/job", params={"job": f"utf8-{unique}", "field": "kernel", "nfield": "_id"})
    assert r.headers["content-type"] == JSON_TYPE
    assert kernel.encode("utf-8") in r.body
    assert b"\\u" not in r.body
    assert r.json()["result"] == [{"kernel": kernel}]


def test_compact_json(anon):
    anon.headers["accept-encoding"] = "identity"
    r = raw(anon, "GET", "/version")
    assert b", " not in r.body and b": " not in r.body


@pytest.mark.parametrize("accept", ["application/v1", "text/html", "*/*", "application/xml"])
def test_accept_header_is_ignored(anon, accept):
    plain = anon.get("/version")
    r = anon.get("/version", headers={"Accept": accept})
    assert r.status_code == 200 and r.json() == plain.json()
    assert r.headers["content-type"] == JSON_TYPE


def test_content_type_on_every_kind_of_answer(anon, api):
    answers = [anon.get("/version"), anon.get("/job"), anon.get("/nope"), anon.patch("/job"),
               anon.post("/count"), api.get("/job/zzzzzzzzzzzzzzzzzzzzzzzz"), api.post("/job", content=b"{")]
    for r in answers:
        assert r.headers["content-type"] == JSON_TYPE, r.request.url
        assert r.json()["code"] == r.status_code


# -- §7 request bodies -------------------------------------------------------------------------------


BODY_ENDPOINTS = [("POST", "/job"), ("POST", "/token"), ("PUT", f"/token/{MISSING_ID}")]


@pytest.mark.parametrize("method,path", BODY_ENDPOINTS)
@pytest.mark.parametrize("content_type", [None, "application/jsonx", "text/plain", "application/x-www-form-urlencoded",
                                          "json", "application/json-patch+json"])
def test_415_for_a_missing_or_other_media_type(api, method, path, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    r = api.request(method, path, content=b'{"email": "x@example.org"}', headers=headers)
    assert r.status_code == 415
    assert r.json()["code"] == 415 and r.json()["reason"]


@pytest.mark.parametrize("content_type", ["Application/JSON", "application/json; charset=utf-8",
                                          "APPLICATION/JSON ; charset=UTF-8"])
def test_json_media_type_is_case_insensitive_and_takes_parameters(api, job, content_type):
    _, key = job
    r = api.post("/job", content=f'{{"job":"{key["job"]}","kernel":"v6.1","git_branch":"master"}}',
                 headers={"Content-Type": content_type})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("method,path", BODY_ENDPOINTS)
def test_token_is_checked_before_content_type(anon, method, path):
    r = anon.request(method, path, content=b"not json", headers={"Content-Type": "text/plain"})
    assert (r.status_code, r.json()) == (403, {"code": 403})


@pytest.mark.parametrize("method,path", BODY_ENDPOINTS)
@pytest.mark.parametrize("body", [b"", b"   ", b"{", b'{"job": }', b"{'job': 1}", b'{"job": "\xff\xfe"}',
                                  b"\xef\xbb\xbf\xff", b'{"a": 1} trailing'])
def test_422_for_empty_malformed_or_non_utf8_bodies(api, method, path, body):
    r = api.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.json() == {"code": 422, "reason": f"No JSON data found in the {method} request"}


@pytest.mark.parametrize("method,path", BODY_ENDPOINTS)
@pytest.mark.parametrize("body", [b"[]", b'[{"job": "x"}]', b'"text"', b"1", b"1.5", b"null", b"true"])
def test_400_when_the_json_is_not_an_object(api, method, path, body):
    r = api.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.json() == {"code": 400, "reason": "Provided JSON is not valid", "errors": ["Provided data is not JSON"]}


@pytest.mark.parametrize("method,path", BODY_ENDPOINTS)
@pytest.mark.parametrize("body", [{}, {"foo": 1}, {"token": "x", "properties": [1] * 16}])
def test_400_when_no_acceptable_key_is_left(api, method, path, body):
    r = api.request(method, path, json=body)
    assert r.status_code == 400
    assert r.json() == {"code": 400, "reason": "Provided JSON is not valid",
                        "errors": ["No valid or acceptable keys in the JSON data"]}


def test_unknown_keys_are_dropped_and_reported(api, job):
    _, key = job
    r = api.post("/job", json={**key, "status": "FAIL", "foo": 1, "bar": {"x": 1}})
    assert r.status_code == 200
    assert r.json()["errors"] == ["Found non recognizable keys, they will not be considered: foo, bar"]
    r = api.post("/token", json={"email": "u@example.org", "get": 1, "colour": "blue"})
    assert r.status_code == 201
    assert r.json()["errors"] == ["Found non recognizable keys, they will not be considered: colour"]


def test_missing_mandatory_keys_are_named(api):
    r = api.post("/job", json={"job": "x", "status": "PASS"})
    body = r.json()
    assert r.status_code == 400 and body["reason"] == "Provided JSON is not valid"
    assert len(body["errors"]) == 1 and "kernel" in body["errors"][0] and "git_branch" in body["errors"][0]


def test_413_over_the_body_limit(backend, tight):
    client = tight.client(backend.admin_token)
    small = b'{"job":"x","kernel":"y","git_branch":"z","status":"PASS"}'
    assert client.post("/job", content=small, headers={"Content-Type": "application/json"}).status_code == 404
    big = b'{"job":"' + b"x" * TIGHT_BODY_BYTES + b'","kernel":"y","git_branch":"z"}'
    r = client.post("/job", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == 413
    assert r.headers["content-type"] == JSON_TYPE

    def chunks():  # no Content-Length: the limit applies while reading
        yield b'{"email":"'
        for _ in range(8):
            yield b"a" * 512
        yield b'"}'

    r = client.post("/token", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == 413
    client.close()


def test_413_is_after_the_token_check(tight):
    client = tight.client()
    r = client.post("/job", content=b"x" * (TIGHT_BODY_BYTES * 2), headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (403, {"code": 403})
    client.close()


# -- §8 compression ---------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["gzip", "gzip, deflate", "deflate, gzip;q=0.5", "*", "br;q=1, *;q=0.1",
                                    "GZIP", "x-gzip"])
def test_gzip_when_acceptable_even_for_tiny_bodies(anon, accept):
    r = raw(anon, "GET", "/version", headers={"Accept-Encoding": accept})
    assert r.headers["content-encoding"] == "gzip"
    assert r.body[:2] == b"\x1f\x8b"
    assert gzip.decompress(r.body).startswith(b'{"code":200')
    assert "Accept-Encoding" in r.headers["vary"]


@pytest.mark.parametrize("accept", ["gzip;q=0", "gzip; q=0.0", "identity", "deflate", "*;q=0", "br, gzip;q=0"])
def test_no_gzip_when_refused(anon, accept):
    r = raw(anon, "GET", "/version", headers={"Accept-Encoding": accept})
    assert "content-encoding" not in r.headers
    assert r.body.startswith(b'{"code":200')
    assert "Accept-Encoding" in r.headers["vary"]


def test_no_accept_encoding_header_means_plain(anon):
    del anon.headers["accept-encoding"]
    r = raw(anon, "GET", "/version")
    assert "content-encoding" not in r.headers and r.body.startswith(b"{")


def test_errors_and_streamed_lists_are_compressed_too(api, anon, job):
    _, key = job
    gz = {"Accept-Encoding": "gzip"}
    for client, method, path, params in ((anon, "GET", "/nope", {}), (anon, "GET", "/job", {}),
                                         (anon, "PATCH", "/job", {}), (api, "GET", "/job", {"job": key["job"]}),
                                         (api, "GET", "/job", {"job": key["job"], "limit": 3})):
        r = raw(client, method, path, params=params, headers=gz)
        assert r.headers["content-encoding"] == "gzip", path
        assert r.json()["code"] == r.status


def test_vary_on_every_answer(anon, api):
    answers = [anon.get("/version"), anon.get("/job"), anon.get("/nope"), anon.patch("/count"),
               anon.post("/count"), anon.options("/job"), api.get("/job", params={"limit": "x"})]
    for r in answers:
        assert "Accept-Encoding" in r.headers["vary"], r.request.url


# -- §9 ETag -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_etag_is_the_sha1_of_the_uncompressed_body(anon, encoding):
    r = raw(anon, "GET", "/version", headers={"Accept-Encoding": encoding})
    body = r.text().encode()
    assert r.headers["etag"] == '"' + hashlib.sha1(body).hexdigest() + '"'


def test_if_none_match_gives_304(anon, api, job):
    job_id, _ = job
    for client, path in ((anon, "/version"), (api, f"/job/{job_id}"), (api, "/count/job"),
                         (api, "/job?limit=2")):
        etag = client.get(path).headers["etag"]
        for header in (etag, f'"other", {etag}', f"W/{etag}"):
            r = raw(client, "GET", path, headers={"If-None-Match": header, "Accept-Encoding": "gzip"})
            assert r.status == 304, (path, header)
            assert r.body == b""
            for name in ("content-type", "content-encoding"):
                assert name not in r.headers
            assert r.headers.get("content-length", "0") == "0"
            assert "Accept-Encoding" in r.headers["vary"]
        assert client.get(path, headers={"If-None-Match": '"0000"'}).status_code == 200


def test_no_etag_on_errors_or_non_get(anon, api):
    assert "etag" not in anon.get("/job").headers
    assert "etag" not in api.get("/job", params={"limit": "-1"}).headers
    assert "etag" not in anon.options("/version").headers
    assert "etag" not in anon.post("/version").headers


def test_no_cache_headers(anon):
    r = anon.get("/version")
    for name in ("cache-control", "last-modified", "expires"):
        assert name not in r.headers


# -- §10 CORS (SEC-15 adopted: default "*") ------------------------------------------------------------


def test_cors_default_allows_any_origin(anon, api):
    origin = {"Origin": "https://somewhere.example"}
    answers = [anon.get("/version", headers=origin), anon.get("/job", headers=origin),
               anon.options("/job", headers=origin), anon.post("/count", headers=origin),
               anon.patch("/job", headers=origin), api.get("/job?limit=x", headers=origin)]
    for r in answers:
        assert r.headers["access-control-allow-origin"] == "*", r.request.url
        assert r.headers["access-control-allow-headers"] == "authorization"
        assert "access-control-allow-credentials" not in r.headers
        for name in ("access-control-allow-methods", "access-control-max-age", "access-control-expose-headers"):
            assert name not in r.headers


def test_cors_without_origin(anon):
    r = anon.get("/version")
    assert "access-control-allow-origin" not in r.headers
    assert r.headers["access-control-allow-headers"] == "authorization"


def test_cors_configured_origins_are_echoed_with_vary(tight):
    client = tight.client()
    r = client.get("/version", headers={"Origin": TIGHT_ORIGIN})
    assert r.headers["access-control-allow-origin"] == TIGHT_ORIGIN
    assert "Origin" in r.headers["vary"] and "Accept-Encoding" in r.headers["vary"]
    r = client.options("/job", headers={"Origin": TIGHT_ORIGIN})
    assert r.headers["access-control-allow-origin"] == TIGHT_ORIGIN
    r = client.get("/version", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
    # The answer depends on Origin, so caches must know it (SEC-15).
    assert "Origin" in r.headers["vary"]
    client.close()
