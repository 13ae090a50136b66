"""`/job` (spec/job.md): list and get jobs, set a job's status, delete a job."""

from __future__ import annotations

from kci_backend.http.errors import ApiError, invalid_json
from kci_backend.http.listing import delete_by_id, drop_unknown_keys, read_documents
from kci_backend.http.routing import OID_SEGMENT, Endpoint, plural, route
from kci_backend.models.job import JOB_STATUSES
from kci_backend.services import jobs

POST_KEYS = frozenset({"job", "kernel", "git_branch", "status", "git_commit", "git_describe", "kernel_version",
                       "version"})
KEY_FIELDS = ("job", "kernel", "git_branch")


@route(rf"/{plural('job')}", rf"/{plural('job')}/{OID_SEGMENT}")
class Job(Endpoint):
    async def get(self, request) -> dict:
        return await read_documents(request, "job")

    async def post(self, request) -> dict:
        body, errors = drop_unknown_keys(await request.json_object(), POST_KEYS)
        missing = [k for k in KEY_FIELDS if k not in body]
        if missing:
            raise invalid_json(f"One or more mandatory keys are missing: {missing}")
        for key in KEY_FIELDS:
            if not isinstance(body[key], str) or not body[key]:
                raise invalid_json(f"Key '{key}' must be a non-empty string")
        status = body.get("status")
        if status is None or status == "":  # only these default (job.md §6.1); 0 or false are invalid values
            status = "PASS"
        if not isinstance(status, str) or status not in JOB_STATUSES:
            raise ApiError(400, f"Invalid status value '{status}': valid values are {', '.join(JOB_STATUSES)}")
        found = await jobs.set_status(request.state, body["job"], body["kernel"], body["git_branch"], status)
        if not found:
            raise ApiError(404, f"Job '{body['job']}-{body['kernel']}' ({body['git_branch']}) not found")
        reason = f"Job '{body['job']}-{body['kernel']}' ({body['git_branch']}) marked as '{status}'"
        return {"code": 200, "reason": reason, **({"errors": errors} if errors else {})}

    async def put(self, request) -> dict:
        raise ApiError(501)

    async def delete(self, request) -> dict:
        return await delete_by_id(request, jobs.delete)
