"""token.md over real HTTP: flags, validation, expiry, IP restriction, the §4.4 matrix, /token, CLI."""

from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from kci_backend import models, wire
from kci_backend.store.documents import Documents

from .support import millis, utc

WRONG_VALUE = "Wrong field value or type in the JSON data"
MISSING_ID = "0123456789abcdef01234567"

ADM = [1, 1, 1, 1, 1, 0, 1, 0, 1, 0]
SU = [0, 1, 1, 1, 1, 0, 0, 0, 1, 0]
NONE = [0] * 10


def bits(*ten: int) -> list[int]:
    return list(ten) + [0] * 6


def create(api, **body) -> tuple[str, str]:
    """POST /token → (value, _id)."""
    r = api.post("/token", json={"email": "t@example.org", **body})
    assert r.status_code == 201, r.text
    (shown,) = r.json()["result"]
    return shown["token"], shown["_id"]["$oid"]


def stored(api, value: str) -> dict:
    r = api.get(f"/token/{value}")
    assert r.status_code == 200, r.text
    return r.json()["result"][0]


def properties(api, value: str) -> list[int]:
    return stored(api, value)["properties"]


# -- §3.3 the flag cascade ----------------------------------------------------------------------------


@pytest.mark.parametrize("body,expected", [
    ({"admin": 1}, ADM),
    ({"superuser": 1}, SU),
    ({"get": 1}, [0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
    ({"get": 1, "post": 1, "delete": 1}, [0, 0, 1, 1, 1, 0, 0, 0, 0, 0]),
    ({"post": 1, "delete": 1, "lab": 1}, [0, 0, 0, 1, 1, 0, 0, 1, 0, 0]),
    ({"test_lab": 1}, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    ({"upload": 1}, [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
    ({"get": 1, "admin": 0}, NONE),                 # role flags come after the method flags
    ({"get": 0, "admin": 1}, ADM),
    ({"get": 1, "post": 1, "superuser": 0}, NONE),
    ({"admin": 1, "superuser": 1}, ADM),            # admin is applied last
    ({"admin": 0, "superuser": 1}, NONE),           # superuser sets, admin:0 clears
    ({"admin": 1, "upload": 0}, [1, 1, 1, 1, 1, 0, 1, 0, 0, 0]),
    ({"superuser": 1, "lab": 1, "test_lab": 1}, [0, 1, 1, 1, 1, 0, 0, 1, 1, 1]),
    ({"admin": True, "get": False}, ADM),
    ({"get": None, "post": 1}, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
    ({"ip_restricted": 1, "ip_address": "192.0.2.1"}, [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]),
])
def test_flags_on_create(api, body, expected):
    value, _ = create(api, **body)
    assert properties(api, value) == bits(*expected)


@pytest.mark.parametrize("start,change,expected", [
    ({"admin": 1}, {"superuser": 0}, NONE),
    ({"admin": 1}, {"superuser": 1}, SU),
    ({"admin": 1}, {"get": 0}, [1, 1, 0, 1, 1, 0, 1, 0, 1, 0]),
    ({"get": 1}, {"post": 1}, [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]),
    ({"superuser": 1}, {"admin": 1}, ADM),
    ({"admin": 1}, {"admin": 0}, NONE),
    ({"admin": 1}, {"lab": 1, "get": None}, [1, 1, 1, 1, 1, 0, 1, 1, 1, 0]),
])
def test_flags_on_update_apply_on_top_of_stored_bits(api, start, change, expected):
    value, token_id = create(api, **start)
    r = api.put(f"/token/{token_id}", json=change)
    assert r.status_code == 200, r.text
    assert properties(api, value) == bits(*expected)


def test_admin_without_get_bit_keeps_admin_rules_only(backend, api):
    value, token_id = create(api, admin=1)
    api.put(f"/token/{token_id}", json={"get": 0})
    client = backend.client(value)
    assert client.get("/token").status_code == 200      # ADMIN rule: bit 0
    assert client.get("/job").status_code == 403        # GENERAL rule: bit 2
    assert client.post("/job", json={"job": "x", "kernel": "y", "git_branch": "z"}).status_code == 404


# -- §3.3 / §8.4 value validation ---------------------------------------------------------------------------


FLAG_KEYS = ("admin", "superuser", "get", "post", "delete", "ip_restricted", "lab", "upload", "test_lab")


@pytest.mark.parametrize("bad", ["1", "true", 2, -1, 1.0, 0.0, {}, [], [1]])
def test_flag_values_other_than_booleans_and_0_1_are_refused(api, bad):
    for key in FLAG_KEYS:
        r = api.post("/token", json={"email": "t@example.org", key: bad})
        assert (r.status_code, r.json()) == (400, {"code": 400, "reason": WRONG_VALUE}), key


@pytest.mark.parametrize("good,expected", [(True, True), (False, False), (1, True), (0, False)])
def test_expired_accepts_booleans_and_0_1(api, good, expected):
    value, _ = create(api, get=1, expired=good)
    assert stored(api, value)["expired"] is expected


@pytest.mark.parametrize("bad", ["no", "true", 2, -1, 1.5, [], {}])
def test_expired_other_values_are_refused(api, bad):
    r = api.post("/token", json={"email": "t@example.org", "expired": bad})
    assert (r.status_code, r.json()["reason"]) == (400, WRONG_VALUE)


@pytest.mark.parametrize("body,reason", [
    ({"get": 1}, "New tokens require the email address field [email]"),
    ({"username": "u", "get": "bad"}, "New tokens require the email address field [email]"),
    ({"email": None}, WRONG_VALUE),
    ({"email": ""}, WRONG_VALUE),
    ({"email": 5}, WRONG_VALUE),
    ({"email": ["a@b"]}, WRONG_VALUE),
    ({"email": "a@b", "username": 5}, WRONG_VALUE),
    ({"email": "a@b", "expires_on": "2030-02-30"}, WRONG_VALUE),
    ({"email": "a@b", "expires_on": "20300101"}, WRONG_VALUE),
    ({"email": "a@b", "expires_on": "tomorrow"}, WRONG_VALUE),
    ({"email": "a@b", "expires_on": 20300101}, WRONG_VALUE),
    ({"email": "a@b", "expires_on": "2030-01-01T00:00:00"}, WRONG_VALUE),
    ({"email": "a@b", "get": "x", "ip_restricted": 1}, WRONG_VALUE),      # field checks before IP checks
    ({"email": "a@b", "ip_restricted": 1}, "IP restricted but no IP addresses given"),
    ({"email": "a@b", "ip_restricted": 1, "ip_address": []}, "IP restricted but no IP addresses given"),
    ({"email": "a@b", "ip_address": ["192.0.2.1"]}, "IP addresses given, but token is not IP restricted"),
    ({"email": "a@b", "ip_restricted": 0, "ip_address": "192.0.2.1"},
     "IP addresses given, but token is not IP restricted"),
])
def test_create_checks_and_reasons(api, body, reason):
    r = api.post("/token", json=body)
    assert (r.status_code, r.json()) == (400, {"code": 400, "reason": reason})


@pytest.mark.parametrize("entry", ["127", "300.1.1.1", "192.0.2.1/33", "2001:db8::/129", "localhost", "", " ",
                                   5, None, ["x"], {"a": 1}, "192.0.2.1,192.0.2.2"])
def test_ip_entries_that_do_not_parse_are_refused(api, entry):
    addresses = entry if isinstance(entry, list) else [entry]
    r = api.post("/token", json={"email": "a@b", "ip_restricted": 1, "ip_address": addresses})
    assert (r.status_code, r.json()["reason"]) == (400, WRONG_VALUE)


def test_ip_address_that_is_not_a_list_or_string_is_refused(api):
    r = api.post("/token", json={"email": "a@b", "ip_restricted": 1, "ip_address": {"x": 1}})
    assert (r.status_code, r.json()["reason"]) == (400, WRONG_VALUE)


def test_ip_entries_are_stored_in_canonical_form(api):
    value, _ = create(api, ip_restricted=1, ip_address=["192.0.3.112/22", "2001:DB8:0:0:0:0:0:1", " 198.51.100.7 ",
                                                         "2001:db8:abcd::1/32", "::ffff:192.0.2.1"])
    assert stored(api, value)["ip_address"] == ["192.0.0.0/22", "2001:db8::1", "198.51.100.7", "2001:db8::/32",
                                                "::ffff:c000:201"]
    value, _ = create(api, ip_restricted=1, ip_address="192.0.2.9")
    assert stored(api, value)["ip_address"] == ["192.0.2.9"]


# -- §7 IP restriction --------------------------------------------------------------------------------------


def ip_client(backend, api, *entries: str):
    value, _ = create(api, get=1, ip_restricted=1, ip_address=list(entries))
    return backend.client(value)


@pytest.mark.parametrize("entries,address,allowed", [
    (("192.0.2.10",), "192.0.2.10", True),
    (("192.0.2.10",), "192.0.2.11", False),
    (("192.0.2.10", "203.0.113.5"), "203.0.113.5", True),
    (("198.51.100.0/24",), "198.51.100.77", True),
    (("198.51.100.0/24",), "198.51.100.0", True),
    (("198.51.100.0/24",), "198.51.101.1", False),
    (("192.0.3.112/22",), "192.0.1.200", True),
    (("2001:db8::/32",), "2001:db8:1::5", True),
    (("2001:db8::/32",), "2001:db9::1", False),
    (("2001:db8::1",), "2001:DB8:0::1", True),
    (("192.0.2.10",), "::ffff:192.0.2.10", True),       # IPv4-mapped IPv6 is read as IPv4
    (("0.0.0.0/0",), "2001:db8::1", False),             # an IPv4 entry never matches an IPv6 address
    (("::/0",), "192.0.2.10", False),                   # and the reverse
])
def test_ip_matching_with_x_real_ip_from_a_trusted_proxy(backend, api, entries, address, allowed):
    client = ip_client(backend, api, *entries)
    r = client.get("/job", params={"limit": 1}, headers={"X-Real-Ip": address})
    assert r.status_code == (200 if allowed else 403)


def test_proxy_header_order(backend, api):
    client = ip_client(backend, api, "192.0.2.10")
    ok = {"limit": 1}
    assert client.get("/job", params=ok).status_code == 403  # the peer itself, 127.0.0.1
    assert client.get("/job", params=ok, headers={"X-Forwarded-For": "203.0.113.1, 192.0.2.10"}).status_code == 200
    assert client.get("/job", params=ok, headers={"X-Forwarded-For": "192.0.2.10, 203.0.113.1"}).status_code == 403
    # X-Real-Ip wins over X-Forwarded-For; an invalid X-Real-Ip is ignored.
    assert client.get("/job", params=ok, headers={"X-Real-Ip": "203.0.113.1",
                                                  "X-Forwarded-For": "192.0.2.10"}).status_code == 403
    assert client.get("/job", params=ok, headers={"X-Real-Ip": "not-an-ip",
                                                  "X-Forwarded-For": "192.0.2.10"}).status_code == 200
    assert client.get("/job", params=ok, headers={"X-Real-Ip": "not-an-ip"}).status_code == 403


def test_loopback_restricted_token_from_the_peer_address(backend, api):
    client = ip_client(backend, api, "127.0.0.0/8")
    assert client.get("/job", params={"limit": 1}).status_code == 200


def test_proxy_headers_are_ignored_from_untrusted_peers(backend, api, tight):
    value, _ = create(api, get=1, ip_restricted=1, ip_address=["192.0.2.10"])
    client = tight.client(value)
    assert client.get("/job", params={"limit": 1}, headers={"X-Real-Ip": "192.0.2.10"}).status_code == 403
    assert client.get("/job", params={"limit": 1},
                      headers={"X-Forwarded-For": "192.0.2.10"}).status_code == 403
    client.close()
    value, _ = create(api, get=1, ip_restricted=1, ip_address=["127.0.0.1"])
    client = tight.client(value)
    assert client.get("/job", params={"limit": 1}, headers={"X-Real-Ip": "192.0.2.99"}).status_code == 200
    assert backend.client(value).get("/job", params={"limit": 1},
                                     headers={"X-Real-Ip": "192.0.2.99"}).status_code == 403
    client.close()


def test_restricted_token_without_addresses_is_denied(backend):
    value = "restricted-without-list-" + wire.new_id()
    backend.insert("token", {"token_hash": hashlib.sha256(value.encode()).hexdigest(), "token_prefix": value[:8],
                             "email": "x@example.org", "properties": bits(0, 0, 1, 0, 0, 1, 0, 0, 0, 0),
                             "ip_address": []})
    assert backend.client(value).get("/job", params={"limit": 1}).status_code == 403


def test_update_keeps_or_replaces_the_address_list(backend, api):
    value, token_id = create(api, get=1, ip_restricted=1, ip_address=["192.0.2.10"])
    r = api.put(f"/token/{token_id}", json={"username": "renamed"})
    assert r.status_code == 200, r.text
    assert stored(api, value)["ip_address"] == ["192.0.2.10"]
    r = api.put(f"/token/{token_id}", json={"ip_address": ["198.51.100.0/24"]})
    assert r.status_code == 200
    assert stored(api, value)["ip_address"] == ["198.51.100.0/24"]
    client = backend.client(value)
    assert client.get("/job", params={"limit": 1}, headers={"X-Real-Ip": "198.51.100.3"}).status_code == 200
    assert client.get("/job", params={"limit": 1}, headers={"X-Real-Ip": "192.0.2.10"}).status_code == 403
    # Clearing the bit leaves the list stored (and unused).
    r = api.put(f"/token/{token_id}", json={"ip_restricted": 0})
    assert r.status_code == 200
    doc = stored(api, value)
    assert doc["ip_address"] == ["198.51.100.0/24"] and doc["properties"][5] == 0
    assert client.get("/job", params={"limit": 1}, headers={"X-Real-Ip": "192.0.2.10"}).status_code == 200
    r = api.put(f"/token/{token_id}", json={"ip_address": ["192.0.2.1"]})
    assert r.json() == {"code": 400, "reason": "IP addresses given, but token is not IP restricted"}


# -- §6 expiry ---------------------------------------------------------------------------------------------------


def test_expires_on_is_midnight_utc_of_the_date(api):
    value, _ = create(api, get=1, expires_on="2031-7-1")
    assert stored(api, value)["expires_on"] == {"$date": millis(utc(2031, 7, 1))}


def test_expiry_date_denies_from_midnight_utc(backend, api):
    today = datetime.now(timezone.utc).date()
    expired_value, _ = create(api, get=1, expires_on=today.isoformat())
    assert backend.client(expired_value).get("/job", params={"limit": 1}).status_code == 403
    live_value, live_id = create(api, get=1, expires_on=(today + timedelta(days=2)).isoformat())
    assert backend.client(live_value).get("/job", params={"limit": 1}).status_code == 200
    # null and "" leave the date alone; a new date replaces it.
    for unchanged in (None, ""):
        assert api.put(f"/token/{live_id}", json={"expires_on": unchanged, "username": "u"}).status_code == 200
    assert stored(api, live_value)["expires_on"] == {"$date": millis(utc(*(today + timedelta(days=2)).timetuple()[:3]))}
    assert api.put(f"/token/{live_id}", json={"expires_on": today.isoformat()}).status_code == 200
    assert backend.client(live_value).get("/job", params={"limit": 1}).status_code == 403


def test_expiry_instant_is_at_or_after(backend):
    """A stored expiry instant a moment away: the token works until then, not after."""
    value = "short-lived-" + wire.new_id()
    expiry = datetime.now(timezone.utc) + timedelta(seconds=1.5)
    backend.insert("token", {"token_hash": hashlib.sha256(value.encode()).hexdigest(), "token_prefix": value[:8],
                             "email": "x@example.org", "properties": bits(0, 0, 1, 0, 0, 0, 0, 0, 0, 0),
                             "expires_on": expiry})
    client = backend.client(value)
    assert client.get("/job", params={"limit": 1}).status_code == 200
    # The expiry is checked on every request (a cached lookup does not extend it).
    time.sleep(max(0.0, (expiry - datetime.now(timezone.utc)).total_seconds()) + 0.05)
    assert client.get("/job", params={"limit": 1}).status_code == 403


def test_expired_flag_denies_everywhere_and_can_be_cleared(backend, api):
    value, token_id = create(api, admin=1, expired=True)
    client = backend.client(value)
    for method, path in (("GET", "/job"), ("GET", "/token"), ("GET", "/count"), ("PUT", f"/token/{token_id}")):
        assert client.request(method, path, json={"username": "x"}).status_code == 403, path
    assert api.put(f"/token/{token_id}", json={"expired": False}).status_code == 200
    assert client.get("/token", params={"limit": 1}).status_code == 200
    assert api.put(f"/token/{token_id}", json={"expired": 1}).status_code == 200
    assert client.get("/token", params={"limit": 1}).status_code == 403


def test_malformed_token_document_is_denied(backend):
    value = "no-email-" + wire.new_id()
    backend.insert("token", {"token_hash": hashlib.sha256(value.encode()).hexdigest(), "token_prefix": value[:8],
                             "email": None, "properties": bits(*ADM)})
    assert backend.client(value).get("/job", params={"limit": 1}).status_code == 403


# -- §1 the Authorization header -------------------------------------------------------------------------------


def test_authorization_header_forms(backend):
    value = backend.token(get=1)
    for header in (value, f"Bearer {value}", f"bearer {value}", f"BEARER  {value}"):
        assert backend.client(header).get("/job", params={"limit": 1}).status_code == 200, header
    for header in (value.upper(), f"Token {value}", f"Basic {value}", value[:-1], value + "x", "Bearer"):
        r = backend.client(header).get("/job", params={"limit": 1})
        assert (r.status_code, r.json()) == (403, {"code": 403}), header


def test_no_credential_in_query_or_cookie(backend):
    value = backend.token(get=1)
    anon = backend.client()
    assert anon.get("/job", params={"token": value, "limit": 1}).status_code == 403
    assert anon.get("/job", params={"limit": 1}, headers={"Cookie": f"token={value}"}).status_code == 403


def test_denials_all_look_the_same(backend, api):
    expired, _ = create(api, get=1, expired=True)
    wrong_ip, _ = create(api, get=1, ip_restricted=1, ip_address="192.0.2.1")
    no_bit, _ = create(api, post=1)
    for header in (None, "", "unknown", expired, wrong_ip, no_bit):
        r = backend.client(header).get("/job")
        assert (r.status_code, r.json()) == (403, {"code": 403})
        assert r.headers["content-type"] == "application/json; charset=UTF-8"
        assert "www-authenticate" not in r.headers


# -- §4.4 the permission matrix for the core endpoints ---------------------------------------------------------

Y, D = "Y", 403
GENERAL_GET = {"none": D, "MK": D, "ADM": Y, "SU": Y, "GET": Y, "RW": Y, "LAB": D, "TLAB": D, "UPL": D}
GENERAL_POST = {"none": D, "MK": D, "ADM": Y, "SU": Y, "GET": D, "RW": Y, "LAB": Y, "TLAB": D, "UPL": D}
GENERAL_DELETE = {"none": D, "MK": D, "ADM": Y, "SU": Y, "GET": D, "RW": Y, "LAB": D, "TLAB": D, "UPL": D}
TOKEN_ANY = {"none": D, "MK": Y, "ADM": Y, "SU": D, "GET": D, "RW": D, "LAB": D, "TLAB": D, "UPL": D}
OPEN = dict.fromkeys(GENERAL_GET, Y)
NOT_IMPLEMENTED = dict.fromkeys(GENERAL_GET, 501)


def after_rule(rule: dict, status: int) -> dict:
    return {k: (status if v == Y else v) for k, v in rule.items()}


# (method, path, json body, allowed status, expectation per kind)
MATRIX = [
    ("GET", "/job?limit=1", None, 200, GENERAL_GET),
    ("GET", "/job/{job_id}", None, 200, GENERAL_GET),
    ("POST", "/job", "{job_key}", 200, GENERAL_POST),
    ("PUT", "/job", {"a": 1}, 501, after_rule(GENERAL_POST, 501)),
    ("PUT", "/job/{job_id}", {"a": 1}, 501, after_rule(GENERAL_POST, 501)),
    ("DELETE", f"/job/{MISSING_ID}", None, 404, GENERAL_DELETE),
    ("GET", "/job/distinct/kernel", None, 200, GENERAL_GET),
    ("POST", "/job/distinct/kernel", {"a": 1}, 501, NOT_IMPLEMENTED),
    ("PUT", "/job/distinct/kernel", {"a": 1}, 501, NOT_IMPLEMENTED),
    ("DELETE", "/job/distinct/kernel", None, 501, NOT_IMPLEMENTED),
    ("GET", "/count", None, 200, GENERAL_GET),
    ("GET", "/count/job", None, 200, GENERAL_GET),
    ("POST", "/count", {"a": 1}, 501, NOT_IMPLEMENTED),
    ("DELETE", "/count/job", None, 501, NOT_IMPLEMENTED),
    ("PUT", "/count", {"a": 1}, 501, after_rule(GENERAL_POST, 501)),
    ("GET", "/version", None, 200, OPEN),
    ("POST", "/version", {"a": 1}, 501, NOT_IMPLEMENTED),
    ("DELETE", "/version", None, 501, NOT_IMPLEMENTED),
    ("PUT", "/version", {"a": 1}, 501, after_rule(GENERAL_POST, 501)),
    ("GET", "/token?limit=1", None, 200, TOKEN_ANY),
    ("GET", "/token/{token_value}", None, 200, TOKEN_ANY),
    ("POST", "/token", {"email": "matrix@example.org"}, 201, TOKEN_ANY),
    ("PUT", "/token/{token_id}", {"username": "matrix"}, 200, TOKEN_ANY),
    ("DELETE", f"/token/{MISSING_ID}", None, 404, TOKEN_ANY),
    ("OPTIONS", "/job", None, 200, OPEN),
    ("OPTIONS", "/token", None, 200, OPEN),
    ("OPTIONS", "/count/job", None, 200, OPEN),
]


@pytest.fixture(scope="session")
def matrix_targets(backend):
    key = {"job": "matrix-job", "kernel": "k", "git_branch": "master"}
    (job,) = backend.insert("job", key)
    admin = backend.client(backend.admin_token)
    value, token_id = create(admin, get=1)
    return {"job_id": job["_id"], "job_key": key, "token_value": value, "token_id": token_id}


@pytest.mark.parametrize("method,path,body,allowed,expected", MATRIX,
                         ids=[f"{m} {p.split('?')[0]}" for m, p, *_ in MATRIX])
def test_permission_matrix(clients, matrix_targets, method, path, body, allowed, expected):
    path = path.format(**matrix_targets)
    if body == "{job_key}":
        body = matrix_targets["job_key"]
    for kind, outcome in expected.items():
        r = clients[kind].request(method, path, json=body)
        want = allowed if outcome == Y else outcome
        assert r.status_code == want, (kind, r.text)
        if want == 403:
            assert r.json() == {"code": 403}


def test_admin_with_lab_bit_cannot_delete_under_general(backend, api):
    value, _ = create(api, admin=1, lab=1)
    r = backend.client(value).delete(f"/job/{MISSING_ID}")
    assert (r.status_code, r.json()) == (403, {"code": 403})


def test_lab_token_with_get_bit_reads_like_get(backend, api):
    value, _ = create(api, post=1, delete=1, lab=1, get=1)
    assert backend.client(value).get("/job", params={"limit": 1}).status_code == 200


def test_master_key_skips_lookup_only_on_token(clients):
    mk = clients["MK"]
    assert mk.get("/token", params={"limit": 1}).status_code == 200
    assert mk.get("/job", params={"limit": 1}).status_code == 403
    value, token_id = create(mk, get=1, ip_restricted=1, ip_address="192.0.2.1")
    assert mk.put(f"/token/{token_id}", json={"username": "by-master-key"}).status_code == 200
    assert mk.delete(f"/token/{token_id}").status_code == 200


# -- §8 the /token resource --------------------------------------------------------------------------------------


def test_post_token_answer(api):
    r = api.post("/token", json={"email": "ci@example.org", "username": "ci-bot", "get": 1, "post": 1,
                                 "ip_restricted": 1, "ip_address": ["192.0.2.10", "198.51.100.0/24"]})
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"code", "result"} and body["code"] == 201
    (shown,) = body["result"]
    assert set(shown) == {"token", "_id"}
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", shown["token"])
    assert re.fullmatch(r"[0-9a-f]{24}", shown["_id"]["$oid"])
    assert "location" not in r.headers


def test_token_document_fields(api):
    value, token_id = create(api, get=1, username="someone", version="9.9")
    doc = stored(api, value)
    assert set(doc) == {"_id", "created_on", "email", "username", "expires_on", "expired", "ip_address",
                        "properties", "version", "token_prefix"}
    assert doc["_id"] == {"$oid": token_id}
    assert doc["token_prefix"] == value[:8]
    assert doc["version"] == "1.0"
    assert (doc["expired"], doc["expires_on"], doc["ip_address"]) == (False, None, None)
    assert abs(doc["created_on"]["$date"] - millis(datetime.now(timezone.utc))) < 60_000


def test_username_null_or_empty_is_ignored(api):
    for username in (None, ""):
        value, _ = create(api, get=1, username=username)
        assert stored(api, value)["username"] is None


def test_token_value_cannot_be_chosen(api):
    r = api.post("/token", json={"email": "a@b", "get": 1, "token": "my-own-value", "properties": [1] * 16})
    assert r.status_code == 201
    assert r.json()["result"][0]["token"] != "my-own-value"
    assert r.json()["errors"] == ["Found non recognizable keys, they will not be considered: token, properties"]
    assert properties(api, r.json()["result"][0]["token"]) == bits(0, 0, 1, 0, 0, 0, 0, 0, 0, 0)


def test_post_with_an_id_is_not_an_update(api):
    value, token_id = create(api, get=1)
    for x in (token_id, value):
        r = api.post(f"/token/{x}", json={"email": "a@b", "post": 1})
        assert (r.status_code, r.json()) == (400, {"code": 400, "reason": "To update a token, use a PUT request"})
    r = api.post(f"/token/{token_id}", json={"nothing": 1})
    assert r.json()["errors"] == ["No valid or acceptable keys in the JSON data"]


def test_secret_is_never_returned_after_creation(api):
    value, token_id = create(api, admin=1, email="secret@example.org")
    answers = [api.get("/token", params={"email": "secret@example.org"}), api.get(f"/token/{value}"),
               api.get("/token", params={"token": value}), api.put(f"/token/{token_id}", json={"username": "x"}),
               api.get("/token", params={"field": "token"}), api.get("/token", params={"field": "token_hash"}),
               api.get("/token", params={"sort": "token_hash", "nfield": "_id"}),
               api.get("/token", params={"aggregate": "token_hash", "email": "secret@example.org"})]
    for r in answers:
        assert r.status_code == 200
        assert value not in r.text and hashlib.sha256(value.encode()).hexdigest() not in r.text
        for doc in r.json()["result"]:
            assert "token" not in doc and "token_hash" not in doc
    assert answers[-1].json()["result"][0]["_id"] == {"token_hash": None}
    assert api.put(f"/token/{token_id}", json={"username": "y"}).json()["result"] == [
        {"token_prefix": value[:8], "_id": {"$oid": token_id}}]


def test_list_tokens_and_filters(api, unique):
    email = f"list-{unique}@example.org"
    first, first_id = create(api, email=email, get=1, username="one")
    second, _ = create(api, email=email, post=1, expired=True)
    body = api.get("/token", params={"email": email, "sort": "created_on", "sort_order": "1"}).json()
    assert (body["code"], body["count"], body["limit"], body["skip"]) == (200, 2, 0, 0)
    assert [d["token_prefix"] for d in body["result"]] == [first[:8], second[:8]]
    pick = lambda **q: [d["token_prefix"] for d in api.get("/token", params={"email": email, **q}).json()["result"]]
    assert pick(token=first) == [first[:8]]
    assert pick(token=second) == [second[:8]]
    assert pick(token="not-a-token") == []
    assert pick(_id=first_id) == [first[:8]]
    assert sorted(pick(_id="bad")) == sorted([first[:8], second[:8]])
    assert pick(expired="false") == [first[:8]]
    assert pick(expired="TRUE") == [second[:8]]
    assert pick(expired="1") == [second[:8]]
    assert pick(username="one") == [first[:8]]
    assert pick(username="null") == [second[:8]]
    assert pick(expires_on="null", username="one") == [first[:8]]
    assert pick(created_on=datetime.now(timezone.utc).date().isoformat(), username="one") == [first[:8]]
    assert pick(created_on="2001-01-01") == []
    assert api.get("/token", params={"email": "nobody@nowhere"}).json() == {
        "code": 200, "count": 0, "limit": 0, "skip": 0, "result": []}


def test_list_tokens_ignores_array_filters(api, unique):
    email = f"arrays-{unique}@example.org"
    create(api, email=email, get=1)
    for key in ("properties", "ip_address"):
        r = api.get("/token", params={"email": email, key: "1"})
        assert r.status_code == 200


def test_get_one_token(api):
    value, token_id = create(api, get=1)
    r = api.get(f"/tokens/{value}/", params={"field": "email", "nfield": "_id"})
    assert r.json() == {"code": 200, "result": [{"email": "t@example.org"}]}
    r = api.get("/token/no-such-value")
    assert (r.status_code, r.json()) == (404, {"code": 404, "reason": "Resource 'no-such-value' not found"})
    r = api.get(f"/token/{token_id}")  # an _id is looked up as a value
    assert r.status_code == 404


def test_put_token_checks_in_order(api):
    _, token_id = create(api, get=1)
    put = lambda path, body=b'{"username": "u"}', ctype="application/json": api.put(
        path, content=body, headers={"Content-Type": ctype} if ctype else {})
    cases = [
        (put(f"/token/{token_id}", ctype="text/plain"), 415, "Wrong content type, must be 'application/json'"),
        (put("/token", ctype="text/plain"), 415, "Wrong content type, must be 'application/json'"),
        (put("/token", ctype=None), 415, "Wrong content type, must be 'application/json'"),
        (put("/token"), 400, "Missing token ID"),
        (put("/tokens/", body=b"{"), 400, "Missing token ID"),
        (put(f"/token/{token_id}", body=b"{"), 422, "No JSON data found in the PUT request"),
        (put("/token/not-an-id", body=b""), 422, "No JSON data found in the PUT request"),
        (put("/token/not-an-id", body=b"[1]"), 400, "Provided JSON is not valid"),
        (put("/token/not-an-id", body=b'{"nope": 1}'), 400, "Provided JSON is not valid"),
        (put("/token/not-an-id"), 400, "Wrong ID value provided"),
        (put("/token/zzzzzzzzzzzzzzzzzzzzzzzz"), 400, "Wrong ID value provided"),
        (put(f"/token/{MISSING_ID}"), 404, f"Resource '{MISSING_ID}' not found"),
        (put(f"/token/{MISSING_ID}", body=b'{"get": "x"}'), 404, f"Resource '{MISSING_ID}' not found"),
        (put(f"/token/{token_id}", body=b'{"get": "x"}'), 400, WRONG_VALUE),
        (put(f"/token/{token_id}", body=b'{"ip_restricted": 1}'), 400, "IP restricted but no IP addresses given"),
    ]
    for r, status, reason in cases:
        assert (r.status_code, r.json()["reason"]) == (status, reason), r.request.url


def test_put_changes_only_what_is_given(api):
    value, token_id = create(api, email="before@example.org", username="before", get=1)
    before = stored(api, value)
    r = api.put(f"/tokens/{token_id.upper()}/", json={"email": "", "username": None, "upload": 1, "version": "2",
                                                       "colour": "red"})
    assert r.status_code == 200
    assert r.json()["errors"] == ["Found non recognizable keys, they will not be considered: colour"]
    after = stored(api, value)
    assert after["properties"] == bits(0, 0, 1, 0, 0, 0, 0, 0, 1, 0)
    for key in ("_id", "created_on", "email", "username", "version", "token_prefix"):
        assert after[key] == before[key], key
    assert api.put(f"/token/{token_id}", json={"email": "after@example.org", "username": "after"}).status_code == 200
    after = stored(api, value)
    assert (after["email"], after["username"]) == ("after@example.org", "after")


def test_delete_token(backend, api):
    value, token_id = create(api, get=1)
    assert backend.client(value).get("/job", params={"limit": 1}).status_code == 200
    cases = [
        (api.delete("/token"), 400, "No ID value specified"),
        (api.delete("/tokens/"), 400, "No ID value specified"),
        (api.delete("/token/not-an-id"), 400, "Wrong ID value 'not-an-id' passed"),
        (api.delete(f"/token/{MISSING_ID}"), 404, f"Resource '{MISSING_ID}' not found"),
        (api.delete(f"/token/{token_id}/"), 200, f"Resource '{token_id}' deleted"),
        (api.delete(f"/token/{token_id}"), 404, f"Resource '{token_id}' not found"),
    ]
    for r, status, reason in cases:
        assert (r.status_code, r.json()) == (status, {"code": status, "reason": reason})
    assert backend.client(value).get("/job", params={"limit": 1}).status_code == 403
    assert api.get(f"/token/{value}").status_code == 404


def test_a_token_may_delete_itself(backend, api):
    value, token_id = create(api, admin=1)
    client = backend.client(value)
    assert client.delete(f"/token/{token_id}").status_code == 200
    assert client.get("/token").status_code == 403


# -- SEC-4, SEC-7, SEC-16 (adopted) ----------------------------------------------------------------------------


def test_secret_is_stored_hashed(backend, api):
    value, token_id = create(api, get=1)
    spec = models.get("token")

    async def row(db):
        return await Documents(db, spec).get(token_id, columns=spec.field_names, python=True)

    doc = backend.run(row)
    assert doc["token_hash"] == hashlib.sha256(value.encode()).hexdigest()
    assert doc["token_prefix"] == value[:8]
    assert all(value not in str(v) for v in doc.values())


def test_master_key_use_is_logged_without_its_value(backend, clients):
    assert clients["MK"].get("/token", params={"limit": 1}).status_code == 200
    log = backend.log_path.read_text()
    assert "master key is enabled" in log
    assert "master key used: GET /token" in log
    assert backend.env["KCI_MASTER_KEY"] not in log


def test_writes_and_token_requests_are_logged_with_the_token_id(backend, api, tight):
    admin_id = api.get("/token", params={"token": backend.admin_token}).json()["result"][0]["_id"]["$oid"]
    value, token_id = create(api, get=1)
    client = tight.client(backend.admin_token)
    assert client.put(f"/token/{token_id}", json={"username": "audited"}).status_code == 200
    assert client.post("/job", json={"job": "no-such", "kernel": "k", "git_branch": "b"}).status_code == 404
    assert client.get("/job", params={"job": "audit-read", "limit": 1}).status_code == 200
    client.close()
    log = tight.log_path.read_text()
    assert f"PUT /token/{token_id} 200 token={admin_id}" in log
    assert f"POST /job 404 token={admin_id}" in log
    assert "GET /job" not in log  # plain reads are not audited
    assert backend.admin_token not in log and value not in log


# -- the `kci-backend token` command (SEC-4 adopted) ----------------------------------------------------------------


def test_cli_token_create_list_revoke(backend, api):
    created = backend.cli("token", "create", "--get", "--email", "cli@example.org", "--username", "cli-user")
    value = created.stdout.strip()
    assert re.fullmatch(r"[0-9a-f-]{36}", value)
    token_id = re.search(r"[0-9a-f]{24}", created.stderr)[0]
    doc = stored(api, value)
    assert doc["_id"] == {"$oid": token_id} and doc["properties"] == bits(0, 0, 1, 0, 0, 0, 0, 0, 0, 0)
    assert (doc["email"], doc["username"]) == ("cli@example.org", "cli-user")
    client = backend.client(value)
    assert client.get("/job", params={"limit": 1}).status_code == 200

    listing = backend.cli("token", "list").stdout
    (line,) = [ln for ln in listing.splitlines() if token_id in ln]
    assert value[:8] in line and value not in listing and "cli@example.org" in line

    revoked = backend.cli("token", "revoke", token_id)
    assert revoked.returncode == 0
    assert stored(api, value)["expired"] is True
    time.sleep(1.2)  # the server caches token lookups for 1 s in the tests
    assert client.get("/job", params={"limit": 1}).status_code == 403


def test_cli_token_create_admin_restricted_expiring(backend, api):
    value = backend.cli("token", "create", "--admin", "--email", "root@example.org", "--ip", "192.0.2.0/24",
                        "--ip", "2001:db8::1", "--expires-on", "2031-01-02").stdout.strip()
    doc = stored(api, value)
    assert doc["properties"] == bits(1, 1, 1, 1, 1, 1, 1, 0, 1, 0)
    assert doc["ip_address"] == ["192.0.2.0/24", "2001:db8::1"]
    assert doc["expires_on"] == {"$date": millis(utc(2031, 1, 2))}
    assert doc["email"] == "root@example.org"


@pytest.mark.parametrize("args", [("revoke", MISSING_ID), ("create", "--ip", "300.0.0.1")])
def test_cli_token_errors_are_one_line_with_exit_code_2(backend, args):
    if backend.kind != "sqlite" and args[0] == "create":
        pytest.skip("argument validation does not depend on the database")
    r = backend.cli("token", *args, check=False)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) == 1, r.stderr
    assert r.stdout == ""
