"""An accepted callback body, parsed once for all the builders (§4, §6).

`parse_job` is the entry point of the processing step: it takes the
row-4-filtered body kept by `payload.check_callback` and the `lab_name`,
and returns `None` when the LAVA job status says there is nothing to store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kci_backend.lava.definition import DefinitionError, parse_definition_metadata
from kci_backend.lava.errors import LavaDataError
from kci_backend.lava.lava_suite import (
    STATUS_COMPLETE,
    STATUS_INCOMPLETE,
    LavaSuiteFacts,
    read_lava_suite,
)
from kci_backend.lava.logs import LogLine, parse_log
from kci_backend.lava.yamlsafe import YamlError, load_yaml

IMPORTED_STATUSES = (STATUS_COMPLETE, STATUS_INCOMPLETE)
LAVA_SUITE = "lava"


@dataclass(frozen=True)
class LavaJob:
    lab_name: str
    status: int
    body: dict[str, Any]  # the filtered callback body, as received
    metadata: dict[str, Any]  # definition metadata (§5)
    results: dict[str, list[dict[str, Any]]]  # suite name → entries, payload order
    log: list[LogLine]
    lava: LavaSuiteFacts

    @property
    def board_instance(self) -> Any:
        return self.body.get("actual_device_id")

    def test_suites(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """The suites other than LAVA's own, in payload order."""
        return [(name, entries) for name, entries in self.results.items() if name != LAVA_SUITE]


def is_imported_status(status: Any) -> bool:
    return isinstance(status, int) and not isinstance(status, bool) and status in IMPORTED_STATUSES


def parse_job(body: dict[str, Any], lab_name: str) -> LavaJob | None:
    """Parse definition, results and log; `None` when the status is not 2 or 3.

    Raises `LavaDataError` when the data cannot be read (nothing is stored).
    """
    status = body.get("status")
    if not is_imported_status(status):
        return None
    try:
        metadata = parse_definition_metadata(body.get("definition"))
    except DefinitionError as error:
        raise LavaDataError(str(error)) from None
    results = parse_results(body.get("results"))
    return LavaJob(
        lab_name=lab_name,
        status=status,
        body=body,
        metadata=metadata,
        results=results,
        log=parse_log(body.get("log")),
        lava=read_lava_suite(results.get(LAVA_SUITE, []), status),
    )


def parse_results(raw: Any) -> dict[str, list[dict[str, Any]]]:
    """Load each suite's YAML list of result entries (missing or empty → `{}` / `[]`)."""
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, dict):
        raise LavaDataError("results is not an object of suite names")
    return {str(suite): _suite_entries(suite, text) for suite, text in raw.items()}


def _suite_entries(suite: str, raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        try:
            raw = load_yaml(raw) if raw.strip() else None
        except YamlError as error:
            raise LavaDataError(f"results of suite {suite!r} is {error}") from None
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(entry, dict) for entry in raw):
        raise LavaDataError(f"results of suite {suite!r} is not a list of result entries")
    return raw
