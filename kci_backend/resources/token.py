"""`/token` (spec/token.md §8): admin or master key only; secrets never shown again."""

from __future__ import annotations

from kci_backend import wire
from kci_backend.http.auth import Rule, hash_token
from kci_backend.http.errors import ApiError
from kci_backend.http.listing import drop_unknown_keys, get_document, list_documents
from kci_backend.http.routing import Endpoint, plural, route
from kci_backend.query.params import Condition
from kci_backend.services import tokens as service

_PUT_415 = "Wrong content type, must be 'application/json'"


def _shown(new: service.NewToken) -> dict:
    return {"token": new.value, "_id": {"$oid": new.document["_id"]}}


@route(rf"/{plural('token')}", rf"/{plural('token')}/(?P<id>[^/]+)")
class Token(Endpoint):
    rule = Rule.TOKEN

    async def get(self, request) -> dict:
        value = request.path_param("id")
        if value is None:
            return await list_documents(request, "token", transforms={"token": hash_token})
        return await get_document(request, "token", hash_token(value), by="token_hash", shown_id=value)

    async def post(self, request) -> dict:
        body, errors = drop_unknown_keys(await request.json_object(), service.BODY_KEYS)
        if request.path_param("id") is not None:
            raise ApiError(400, "To update a token, use a PUT request")
        try:
            new = await service.create_token(request.state.db, request.state.documents("token"), body)
        except service.TokenFieldError as exc:
            raise ApiError(400, str(exc)) from None
        return {"code": 201, "result": [_shown(new)], **({"errors": errors} if errors else {})}

    async def put(self, request) -> dict:
        if request.media_type != "application/json":
            raise ApiError(415, _PUT_415)
        doc_id = request.path_param("id")
        if doc_id is None:
            raise ApiError(400, "Missing token ID")
        body, errors = drop_unknown_keys(await request.json_object(verb="PUT"), service.BODY_KEYS)
        if not wire.is_object_id(doc_id):
            raise ApiError(400, "Wrong ID value provided")
        doc_id = doc_id.lower()
        tokens = request.state.documents("token")
        async with request.state.db.transaction() as tx:
            found = await tokens.fetch_in(tx, [Condition("_id", "eq", doc_id)])
            if not found:
                raise ApiError(404, f"Resource '{doc_id}' not found")
            try:
                updated = service.apply_body(found[0], body)
            except service.TokenFieldError as exc:
                raise ApiError(400, str(exc)) from None
            changes = {k: updated[k] for k in ("email", "username", "expires_on", "expired", "properties",
                                               "ip_address")}
            await tokens.update(tx, doc_id, changes)
        request.state.auth.forget()
        result = [{"token_prefix": found[0]["token_prefix"], "_id": {"$oid": doc_id}}]
        return {"code": 200, "result": result, **({"errors": errors} if errors else {})}

    async def delete(self, request) -> dict:
        doc_id = request.path_param("id")
        if doc_id is None:
            raise ApiError(400, "No ID value specified")
        if not wire.is_object_id(doc_id):
            raise ApiError(400, f"Wrong ID value '{doc_id}' passed")
        doc_id = doc_id.lower()
        async with request.state.db.transaction() as tx:
            deleted = await request.state.documents("token").delete_where(tx, [Condition("_id", "eq", doc_id)])
        if not deleted:
            raise ApiError(404, f"Resource '{doc_id}' not found")
        request.state.auth.forget()
        return {"code": 200, "reason": f"Resource '{doc_id}' deleted"}
