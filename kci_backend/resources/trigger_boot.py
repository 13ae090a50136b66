"""`/trigger/boot` (spec/boot.md §9, token.md §4.3): builds a lab could boot-test."""

from __future__ import annotations

from typing import AsyncIterator

from kci_backend import wire
from kci_backend.http.auth import Rule
from kci_backend.http.errors import ApiError
from kci_backend.http.routing import Endpoint, Stream, plural, route
from kci_backend.models import token as bits
from kci_backend.services import boot_trigger, boots

NO_LAB = "Provided token is not associated with a lab"
NO_LAB_TO_COMPARE = "Missing lab name to perform a comparison: was a lab token used?"


@route(rf"/trigger/{plural('boot')}")
class TriggerBoot(Endpoint):
    rule = Rule.BOOT
    unimplemented_open = {"POST": None, "PUT": None, "DELETE": None}

    async def get(self, request) -> Stream:
        labs = await _caller_labs(request)
        compared = boot_trigger.wants_comparison(request.query)
        if compared and not labs:
            raise ApiError(400, NO_LAB_TO_COMPARE)
        query, batches = await boot_trigger.builds(request.state, request.query, labs if compared else None)
        return Stream(200, _envelope(batches, query.limit))


async def _caller_labs(request) -> list[str]:
    """The caller's labs; admins and superusers may have none, other tokens must be a lab's."""
    token = request.token
    privileged = token.is_admin or token.is_superuser
    if not (privileged or token.has(bits.LAB)):
        raise ApiError(403)
    labs = await boots.labs_of_token(request.state, token.id) if token.has(bits.LAB) else []
    if not labs and not privileged:
        raise ApiError(400, NO_LAB)
    return labs


async def _envelope(batches: AsyncIterator[list[dict]], limit: int) -> AsyncIterator[bytes]:
    # boot.md §9: count and limit, no skip.
    yield b'{"code":200,"result":['
    count = 0
    async for batch in batches:
        if batch:
            encoded = b",".join(wire.dumps(doc) for doc in batch)
            yield (b"," + encoded) if count else encoded
            count += len(batch)
    yield b'],"count":%d,"limit":%d}' % (count, limit)
