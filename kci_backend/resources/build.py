"""`/build` (spec/build.md): list and get builds, import a build, delete a build."""

from __future__ import annotations

import orjson

from kci_backend.http.errors import ApiError
from kci_backend.http.listing import LIST_ADJUSTERS, delete_by_id, read_documents
from kci_backend.http.routing import OID_SEGMENT, Endpoint, plural, route
from kci_backend.query.params import Condition, Params
from kci_backend.services import builds

# Stored as a string (flat form) or an array of paths (nested form), build.md B8.
FRAGMENTS = "kconfig_fragments"


def fragment_filter(params: Params) -> tuple[Params, list[Condition]]:
    """`kconfig_fragments=<v>` matches the string <v> or an array holding <v>.

    The generic query engine has no array-membership operator, so the value
    is compared with the JSON texts of both shapes; an array matches when it
    is exactly `[<v>]`, which is what kernelci-core sends (one fragment
    artifact). Returns the parameters without the key and the condition."""
    values = params.values(FRAGMENTS)
    if not values:
        return params, []
    rest = Params((k, v) for k, v in params.pairs if k != FRAGMENTS)
    if values == ["null"]:
        return rest, [Condition(FRAGMENTS, "null")]
    encoded = {orjson.dumps(shape).decode() for value in values for shape in (value, [value])}
    return rest, [Condition(FRAGMENTS, "in", tuple(sorted(encoded)))]


LIST_ADJUSTERS["build"] = fragment_filter


@route(rf"/{plural('build')}", rf"/{plural('build')}/{OID_SEGMENT}")
class Build(Endpoint):
    async def get(self, request) -> dict:
        return await read_documents(request, "build")

    async def post(self, request) -> dict:
        body = await request.json_object()
        try:
            imported = await builds.import_build(request.state, body)
        except builds.BuildRejected as exc:
            raise ApiError(400, exc.reason, exc.errors) from None
        build = imported.build
        reason = (f"Request accepted: build {build['_id']} ({build['job']}/{build['kernel']}/{build['arch']}/"
                  f"{build['defconfig_full']}) imported")
        return {"code": 202, "reason": reason, **({"errors": imported.errors} if imported.errors else {})}

    async def put(self, request) -> dict:
        raise ApiError(501)

    async def delete(self, request) -> dict:
        return await delete_by_id(request, builds.delete_build)

