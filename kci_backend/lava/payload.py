"""Synchronous checks of a LAVA callback body (callback-lava.md §3 rows 4–8).

Rows 1–3 (token, content type, JSON parsing), 9 (lab association, needs
the database) and 10 (unsupported action → 404) belong to the HTTP
endpoint. Row 10 comes after row 9, so this module only reports whether the
action is supported; rows 6–7b are skipped for an unsupported one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kci_backend.lava.definition import (
    RULES_BY_ACTION,
    DefinitionError,
    metadata_problem,
    parse_definition_metadata,
)
from kci_backend.lava.paths import path_problem

ACCEPTED_KEYS = frozenset({
    "id", "status", "status_string", "description", "definition", "metadata",
    "results", "log", "token", "submitter_username", "submit_time",
    "start_time", "end_time", "priority", "is_pipeline", "failure_comment",
    "actual_device_id",
})

INVALID_JSON = "Provided JSON is not valid"
MISSING_LAB_NAME = "Missing lab name in query string"
ACCEPTED_REASON = "Request accepted and being processed"


@dataclass(frozen=True)
class CallbackRejection:
    """A refused callback: HTTP status, `reason` and `errors` of the response."""

    status: int
    reason: str
    errors: list[str] = field(default_factory=list)

    def response_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.status, "reason": self.reason}
        if self.errors:
            body["errors"] = list(self.errors)
        return body


@dataclass(frozen=True)
class AcceptedCallback:
    """A body that passed rows 4–8.

    `body` is the row-4-filtered JSON object: plain JSON data, fit to be put
    in a durable task and later given to `job.parse_job`.
    """

    action: str
    lab_name: str
    body: dict[str, Any]
    metadata: dict[str, Any]
    action_supported: bool


def supported_actions(boot_supported: bool) -> frozenset[str]:
    return frozenset({"test", "boot"}) if boot_supported else frozenset({"test"})


def unsupported_action_body(action: str) -> dict[str, Any]:
    """Row 10 response body (sent only after the lab check of row 9 passed)."""
    return {"code": 404, "reason": f"Unsupported LAVA action: {normalise_action(action)}"}


def normalise_action(action: str) -> str:
    # The route allows one trailing "/" after the action name.
    return action[:-1] if action.endswith("/") else action


def check_callback(
    body: Any,
    action: str,
    lab_name: str | None,
    *,
    boot_supported: bool = False,
) -> AcceptedCallback | CallbackRejection:
    """Run rows 4–8 on a parsed JSON body, in the spec's order."""
    if not isinstance(body, dict):
        return _invalid("Provided data is not JSON")
    kept = {key: value for key, value in body.items() if key in ACCEPTED_KEYS}
    if not kept:
        return _invalid("No valid or acceptable keys in the JSON data")
    try:
        metadata = parse_definition_metadata(kept.get("definition"))
    except DefinitionError as error:
        return _invalid(str(error))
    action = normalise_action(action)
    supported = action in supported_actions(boot_supported)
    if supported:
        problem = metadata_problem(metadata, RULES_BY_ACTION[action])
        problem = problem or path_problem(metadata, action, lab_name)
        if problem:
            return _invalid(problem)
    if not lab_name:
        return CallbackRejection(400, MISSING_LAB_NAME)
    return AcceptedCallback(action, lab_name, kept, metadata, supported)


def _invalid(error: str) -> CallbackRejection:
    return CallbackRejection(400, INVALID_JSON, [error])
