"""Labs and their token link (spec/lab.md §4–§8, token.md §4.3).

A lab's `token` field holds the `_id` of the token the lab uses. Creating a
lab makes (or links) that token in the same transaction as the lab, so a lab
and an auto-made token are stored together or not at all. The helpers at the
end answer the two questions other resources ask about the link: "may this
token act for lab X?" and "which labs does this token belong to?".
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from kci_backend import wire
from kci_backend.http.auth import Token, hash_token
from kci_backend.models import token as bits
from kci_backend.models.lab import CONTACT_REQUIRED
from kci_backend.query.params import Condition
from kci_backend.services.tokens import insert_token
from kci_backend.store.database import Transaction

if TYPE_CHECKING:
    from kci_backend.app import State

BODY_KEYS = frozenset({"name", "contact", "address", "private", "token", "version"})
MANDATORY_KEYS = ("name", "contact")
WRONG_VALUE = "Wrong field value or type in the JSON data"
NO_TOKEN_LINKED = "Error saving or retrieving lab token: no token associated"
NOT_MODIFIED = "No new data to update, lab not modified"
UPDATED = "Lab document updated"
NEW_TOKEN_NOT_FOUND = "New token specified not found, will not be updated"
OLD_TOKEN_NOT_FOUND = "Old lab token value not found, updating to new one"
EMAIL_NOT_SYNCED = "Error updating token with new email"
ADMIN_TOKEN_KEPT = "Associated token not deleted: it is an admin or superuser token"
# What a token made by POST /lab may do: post, delete and lab (lab.md §4.3).
LAB_TOKEN_FLAGS = {"post": 1, "delete": 1, "lab": 1}


class LabError(Exception):
    """A refused request: answered with `status` and `reason`."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def already_exists(name: str) -> LabError:
    return LabError(400, f"Lab '{name}' already exists")


# ---------------------------------------------------------------------------
# Body checks (lab.md §4.2 steps 6-7, §5.1 steps 8-9)
# ---------------------------------------------------------------------------


def check_contact(contact: Any) -> None:
    """A non-empty object whose name, surname and email are non-empty strings."""
    if not isinstance(contact, dict) or not contact:
        raise LabError(400, "Provided 'contact' data structure is not a JSON object or is empty")
    missing = [k for k in CONTACT_REQUIRED if not isinstance(contact.get(k), str) or not contact[k]]
    if missing:
        raise LabError(400, f"Missing mandatory keys for 'contact' JSON object: {missing}")


_TYPE_CHECKS = {
    "name": lambda v: isinstance(v, str) and v != "",
    "address": lambda v: isinstance(v, dict),
    "private": lambda v: isinstance(v, bool),
    "token": lambda v: isinstance(v, str),
    "version": lambda v: isinstance(v, str),
}


def check_types(body: dict[str, Any]) -> None:
    for key, valid in _TYPE_CHECKS.items():
        if key in body and not valid(body[key]):
            raise LabError(400, WRONG_VALUE)


def same_value(a: Any, b: Any) -> bool:
    """JSON equality that tells `true` from `1` (Python's == does not)."""
    option = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
    try:
        return orjson.dumps(a, option=option, default=str) == orjson.dumps(b, option=option, default=str)
    except TypeError:
        return False


def is_unique_violation(exc: BaseException) -> bool:
    """True for a unique-index refusal on either database."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc).upper()
    try:
        from asyncpg.exceptions import UniqueViolationError
    except ImportError:  # pragma: no cover - asyncpg is a dependency
        return False
    return isinstance(exc, UniqueViolationError)


# ---------------------------------------------------------------------------
# Reads inside a transaction
# ---------------------------------------------------------------------------


async def _lab_by(state: "State", tx: Transaction, column: str, value: Any) -> dict | None:
    found = await state.documents("lab").fetch_in(tx, [Condition(column, "eq", value)])
    return found[0] if found else None


async def _token_by(state: "State", tx: Transaction, column: str, value: Any) -> dict | None:
    found = await state.documents("token").fetch_in(
        tx, [Condition(column, "eq", value)], ("_id", "token_hash", "properties", "expired"))
    return found[0] if found else None


# ---------------------------------------------------------------------------
# POST /lab
# ---------------------------------------------------------------------------


@dataclass
class CreatedLab:
    document: dict[str, Any]
    # The linked token's value when the server knows it (made now, or sent); else None.
    token_value: str | None
    errors: list[str] = field(default_factory=list)


async def create_lab(state: "State", body: dict[str, Any]) -> CreatedLab:
    """Store a new lab with its token link (lab.md §4.2 steps 6-10, §4.3)."""
    check_contact(body["contact"])
    check_types(body)
    name = body["name"]
    try:
        async with state.db.transaction() as tx:
            if await _lab_by(state, tx, "name", name) is not None:
                raise already_exists(name)
            created = await _link_new_lab(state, tx, body)
            created.document = await state.documents("lab").insert(tx, created.document)
    except Exception as exc:
        # Two concurrent POSTs: the unique index refuses the second (SEC-11).
        # The token made for it goes with the rolled-back transaction.
        if is_unique_violation(exc):
            raise already_exists(name) from None
        raise
    return created


async def _link_new_lab(state: "State", tx: Transaction, body: dict[str, Any]) -> CreatedLab:
    document = {
        "name": body["name"],
        "contact": body["contact"],
        "address": body.get("address", {}),
        "private": body.get("private", False),
        "version": body.get("version", "1.0"),
        "updated_on": None,
        "token": None,
    }
    if "token" not in body:
        flags = {"email": body["contact"]["email"], **LAB_TOKEN_FLAGS}
        new = await insert_token(tx, state.documents("token"), flags)
        document["token"] = new.document["_id"]
        return CreatedLab(document, new.value)
    # An existing token, named by its value: linked as it is, never changed.
    linked = await _token_by(state, tx, "token_hash", hash_token(body["token"]))
    if linked is None:
        return CreatedLab(document, None, [NO_TOKEN_LINKED])
    document["token"] = linked["_id"]
    return CreatedLab(document, body["token"])


# ---------------------------------------------------------------------------
# PUT /lab/<id>
# ---------------------------------------------------------------------------


@dataclass
class LabUpdate:
    reason: str
    errors: list[str] = field(default_factory=list)
    tokens_changed: bool = False


async def update_lab(state: "State", lab_id: str, body: dict[str, Any]) -> LabUpdate:
    """Partial update (lab.md §5.1 steps 6-10, §5.3, §5.4)."""
    try:
        async with state.db.transaction() as tx:
            return await _update_in(state, tx, lab_id, body)
    except Exception as exc:
        if is_unique_violation(exc):
            raise already_exists(body.get("name")) from None
        raise


async def _update_in(state: "State", tx: Transaction, lab_id: str, body: dict[str, Any]) -> LabUpdate:
    lab = await _lab_by(state, tx, "_id", lab_id)
    if lab is None:
        raise LabError(404, "Provided lab ID does not exists")
    linked = await _token_by(state, tx, "_id", lab["token"]) if lab["token"] else None
    changes = {k: v for k, v in body.items() if not _unchanged(lab, linked, k, v)}
    if not changes:
        return LabUpdate(NOT_MODIFIED)
    if "contact" in changes:
        check_contact(changes["contact"])
    check_types(changes)
    if "name" in changes and await _lab_by(state, tx, "name", changes["name"]) is not None:
        raise already_exists(changes["name"])

    outcome = LabUpdate(UPDATED)
    if "token" in changes:
        new_token = await _token_by(state, tx, "token_hash", hash_token(changes.pop("token")))
        if new_token is None:
            outcome.errors.append(NEW_TOKEN_NOT_FOUND)
            if not changes:
                return LabUpdate(NOT_MODIFIED, outcome.errors)
        else:
            changes["token"] = new_token["_id"]
            await _expire_old_token(state, tx, linked, outcome)
    if "contact" in changes:
        await _sync_token_email(state, tx, changes.get("token", lab["token"]), changes["contact"]["email"], outcome)
    changes["updated_on"] = wire.utcnow()
    await state.documents("lab").update(tx, lab_id, changes)
    return outcome


def _unchanged(lab: dict, linked: dict | None, key: str, value: Any) -> bool:
    """Step 7: a key whose value is already stored is dropped."""
    if key == "token":
        return isinstance(value, str) and linked is not None and linked["token_hash"] == hash_token(value)
    return same_value(lab.get(key), value)


async def _expire_old_token(state: "State", tx: Transaction, old: dict | None, outcome: LabUpdate) -> None:
    if old is None:
        outcome.errors.append(OLD_TOKEN_NOT_FOUND)
        return
    await state.documents("token").update(tx, old["_id"], {"expired": True})
    outcome.tokens_changed = True


async def _sync_token_email(state: "State", tx: Transaction, token_id: str | None, email: str,
                            outcome: LabUpdate) -> None:
    """§5.3: the token linked after the update takes the new contact email."""
    updated = await state.documents("token").update(tx, token_id, {"email": email}) if token_id else 0
    if not updated:
        outcome.errors.append(EMAIL_NOT_SYNCED)
    else:
        outcome.tokens_changed = True


# ---------------------------------------------------------------------------
# DELETE /lab/<id>
# ---------------------------------------------------------------------------


async def delete_lab(state: "State", lab_id: str) -> list[str] | None:
    """Delete the lab and its linked token (lab.md §7); None if there is no such lab.

    An admin or superuser token is never deleted with a lab (SEC-10)."""
    errors: list[str] = []
    async with state.db.transaction() as tx:
        lab = await _lab_by(state, tx, "_id", lab_id)
        if lab is None:
            return None
        await state.documents("lab").delete_where(tx, [Condition("_id", "eq", lab_id)])
        token = await _token_by(state, tx, "_id", lab["token"]) if lab["token"] else None
        if token is not None:
            properties = token["properties"] or []
            if any(len(properties) > bit and properties[bit] == 1 for bit in (bits.ADMIN, bits.SUPERUSER)):
                errors.append(ADMIN_TOKEN_KEPT)
            else:
                await state.documents("token").delete_where(tx, [Condition("_id", "eq", token["_id"])])
    return errors


# ---------------------------------------------------------------------------
# The link as other resources use it (lab.md §8, token.md §4.3, SEC-8)
# ---------------------------------------------------------------------------


async def lab_token_matches(state: "State", lab_name: str, token: Token | None) -> bool:
    """token.md §4.3 lab association: may `token` act for the lab called `lab_name`?

    No such lab: nobody, admins included. Otherwise an admin token passes; any
    other token must be the lab's linked token and that token must not be
    expired. A lab with no (or a dangling) link accepts admins only."""
    if token is None or not isinstance(lab_name, str) or not lab_name:
        return False
    lab = await state.documents("lab").get(lab_name, ("_id", "token"), by="name", python=True)
    if lab is None:
        return False
    if token.is_admin:
        return True
    if not lab["token"] or token.id != lab["token"]:
        return False
    # Read the linked token now rather than trusting the request's cached copy:
    # a lab's old token is expired the moment the lab changes tokens.
    linked = await state.documents("token").get(lab["token"], ("_id", "expired", "expires_on"), python=True)
    if linked is None or linked["expired"]:
        return False
    return linked["expires_on"] is None or wire.utcnow() < linked["expires_on"]


async def labs_of_token(state: "State", token_id: str | None) -> list[str]:
    """Names of the labs whose `token` link is this token `_id` (sorted)."""
    if not wire.is_object_id(token_id):
        return []
    found = await state.documents("lab").find([Condition("token", "eq", token_id.lower())], ("name",))
    return sorted(doc["name"] for doc in found)
