"""`/lab` (spec/lab.md): admins manage labs; a lab's token is made or linked here."""

from __future__ import annotations

from kci_backend import wire
from kci_backend.http.auth import Rule
from kci_backend.http.errors import ApiError, invalid_json
from kci_backend.http.listing import drop_unknown_keys, get_document, list_documents, require_id
from kci_backend.http.routing import ANY_SEGMENT, Endpoint, plural, route
from kci_backend.query.params import Condition
from kci_backend.services import labs as service

_PUT_415 = "Wrong content type, must be 'application/json'"
_WRONG_LAB_ID = "Wrong or missing lab ID"
# Object-valued filters compare a string with an object: they never match (lab.md §6.1).
_OBJECT_FILTERS = ("address", "contact")


def _with_errors(body: dict, errors: list[str]) -> dict:
    return {**body, "errors": errors} if errors else body


def _lab_id(request) -> str:
    return require_id(request.path_param("id"), _WRONG_LAB_ID)


@route(rf"/{plural('lab')}", rf"/{plural('lab')}/{ANY_SEGMENT}")
class Lab(Endpoint):
    rule = Rule.ADMIN

    async def get(self, request) -> dict:
        doc_id = request.path_param("id")
        if doc_id is not None:
            return await get_document(request, "lab", require_id(doc_id))
        never = [Condition(k, "never") for k in _OBJECT_FILTERS if request.query.values(k)]
        return await list_documents(request, "lab", extra=never)

    async def post(self, request) -> dict:
        raw = await request.json_object()
        missing = [k for k in service.MANDATORY_KEYS if k not in raw]
        if missing:
            raise invalid_json(f"One or more mandatory keys are missing: {missing}")
        body, errors = drop_unknown_keys(raw, service.BODY_KEYS)
        if request.path_param("id") is not None:
            raise ApiError(400, "To update a lab, perform a PUT request")
        try:
            created = await service.create_lab(request.state, body)
        except service.LabError as exc:
            raise ApiError(exc.status, exc.reason) from None
        lab_id = created.document["_id"]
        request.response_headers.append((b"location", f"{request.path.rstrip('/')}/{lab_id}".encode()))
        result = {"_id": wire.oid(lab_id), "name": created.document["name"], "token": created.token_value}
        return _with_errors({"code": 201, "result": [result]}, errors + created.errors)

    async def put(self, request) -> dict:
        if request.media_type != "application/json":
            raise ApiError(415, _PUT_415)
        lab_id = _lab_id(request)
        body, errors = drop_unknown_keys(await request.json_object(verb="PUT"), service.BODY_KEYS)
        try:
            outcome = await service.update_lab(request.state, lab_id, body)
        except service.LabError as exc:
            raise ApiError(exc.status, exc.reason) from None
        if outcome.tokens_changed:
            request.state.auth.forget()
        return _with_errors({"code": 200, "reason": outcome.reason}, errors + outcome.errors)

    async def delete(self, request) -> dict:
        lab_id = _lab_id(request)
        errors = await service.delete_lab(request.state, lab_id)
        if errors is None:
            raise ApiError(404, f"Resource '{lab_id}' not found")
        request.state.auth.forget()
        return _with_errors({"code": 200, "reason": f"Resource '{lab_id}' deleted"}, errors)
