"""POST /build bodies → a candidate build document (spec/build.md §5, §7).

Two body forms exist (build.md §5): the nested kernelci-core form (a
`bmeta` key, 2020+) and the flat form (docs, 2019 clients, optionally
completed by a `bmeta.json` file in storage). Both are checked completely
before anything is written; a problem raises `BuildRejected` (a 400).
The result is the build document of build.md §2 without `_id`,
`created_on` and `job_id`, which the import adds.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from kci_backend.models.build import BUILD_IDENTITY, BUILD_STATUSES
from kci_backend.services.storable import contains_nul

from . import build_files
from .build_files import UnsafePath

_INT64 = range(-(2**63), 2**63)
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._+=-]*[A-Za-z0-9])?\Z")
_VERSION_PREFIX = re.compile(r"([0-9]+\.[0-9]+(?:\.[0-9]+)?)(-rc[0-9]*)?")
_COMMIT = re.compile(r"[0-9a-f]{40}\Z")
_FRAGMENT_FILE = re.compile(r"frag-(.*)\.config\Z", re.DOTALL)
_INVALID_JSON = "Provided JSON is not valid"
# Indexed text fields: PostgreSQL refuses index entries over ~2.7 kB, so the
# values that go into (composite) indexes are bounded.
_INDEXED_TEXT = ("job", "kernel", "git_branch", "arch", "defconfig", "defconfig_full", "build_environment",
                 "git_commit")
MAX_INDEXED_BYTES = 512


class BuildRejected(ValueError):
    """A body (or its bmeta.json) that cannot be imported: answered with 400."""

    def __init__(self, reason: str, errors: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = errors or []


@dataclass
class Candidate:
    """What the import needs: the document, and keys the body had that were ignored."""

    document: dict[str, Any]
    ignored_keys: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Value checks shared by both forms
# ---------------------------------------------------------------------------


def is_valid_name(value: Any) -> bool:
    """build.md §7.7: job and kernel names become storage path components."""
    return isinstance(value, str) and bool(_NAME.match(value))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in _INT64


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and abs(value) < 1e308


def _check_indexed_lengths(document: dict[str, Any]) -> None:
    for key in _INDEXED_TEXT:
        value = document.get(key)
        if isinstance(value, str) and len(value.encode("utf-8")) > MAX_INDEXED_BYTES:
            raise BuildRejected(_INVALID_JSON, [f"Value of '{key}' is longer than {MAX_INDEXED_BYTES} bytes"])


def _storage_directory(root: Path, key: str, value: str) -> Path:
    try:
        return build_files.resolve_under(root, value)
    except (UnsafePath, OSError):
        raise BuildRejected(f"Invalid path: '{value}'", [f"Key '{key}' is not a valid storage path"]) from None


# ---------------------------------------------------------------------------
# Derivations (build.md §7)
# ---------------------------------------------------------------------------


def kernel_version(describe_v: str | None, describe: str | None) -> str | None:
    """build.md §7.2: the upstream version at the start of the describe string."""
    text = describe_v or describe
    if not text:
        return None
    match = _VERSION_PREFIX.match(text.removeprefix("v"))
    if match is None:
        return None
    return match.group(0)


def flat_defconfig_full(data: dict[str, Any]) -> str:
    """build.md §7.1."""
    if data.get("defconfig_full"):
        return data["defconfig_full"]
    fragments = data.get("kconfig_fragments")
    if isinstance(fragments, str):
        match = _FRAGMENT_FILE.match(fragments)
        if match:
            return f"{data['defconfig']}+{match.group(1)}"
    return data["defconfig"]


def identity_key(document: dict[str, Any]) -> str:
    """A digest of the build.md §1 identity, where null differs from "" and
    matches null, so a unique index on it implements the identity."""
    values = [document.get(name) for name in BUILD_IDENTITY]
    return hashlib.sha256(orjson.dumps(values)).hexdigest()


def _add_sizes(document: dict[str, Any], root: Path, directory: Path | None, *, with_build_log: bool) -> None:
    """build.md §7.4: sizes of the artifacts that exist in the build directory."""
    pairs = [("kernel_config_size", "kernel_config"), ("kernel_image_size", "kernel_image"),
             ("system_map_size", "system_map"), ("modules_size", "modules")]
    if with_build_log:
        pairs.append(("build_log_size", "build_log"))
    for size_field, path_field in pairs:
        size = build_files.file_size(root, directory, document.get(path_field))
        if size is not None or size_field not in document:
            document[size_field] = size


# ---------------------------------------------------------------------------
# Flat form (build.md §5.2)
# ---------------------------------------------------------------------------

Check = Callable[[Any], bool]


def _string(value: Any) -> bool:
    return isinstance(value, str)


def _one_of(*allowed: str) -> Check:
    return lambda value: isinstance(value, str) and value in allowed


def _non_negative_int(value: Any) -> bool:
    return _is_int(value) and value >= 0


def _non_negative_number(value: Any) -> bool:
    return _is_number(value) and value >= 0


def _string_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _array(value: Any) -> bool:
    return isinstance(value, list)


def _anything(value: Any) -> bool:
    return True


REQUIRED_FLAT_KEYS = ("job", "kernel", "defconfig", "arch", "git_branch")

# §5.2.1: every key the flat form reads, with the check of its value.
FLAT_KEYS: dict[str, Check] = {
    **{key: _string for key in REQUIRED_FLAT_KEYS},
    "version": _one_of("1.0", "1.1"),
    "status": _one_of(*BUILD_STATUSES),
    "build_result": _one_of(*BUILD_STATUSES),
    "build_errors": _non_negative_int,
    "build_warnings": _non_negative_int,
    "build_time": _non_negative_number,
    "build_platform": _array,
    "dtb_dir_data": _string_list,
    "kernel_image_size": _is_int,
    "modules_size": _is_int,
    "vmlinux_bss_size": _is_int,
    "vmlinux_data_size": _is_int,
    "vmlinux_file_size": _is_int,
    "vmlinux_text_size": _is_int,
    # Accepted and ignored: both are derived (§7.2, §7.3).
    "kernel_version": _anything,
    "compiler_version_ext": _anything,
    **{key: _string for key in (
        "build_environment", "defconfig_full", "file_server_resource", "path", "file_server_url", "build_type",
        "git_url", "git_commit", "git_describe", "git_describe_v", "compiler", "compiler_version",
        "compiler_version_full", "cross_compile", "kernel_config", "kernel_image", "modules", "modules_dir",
        "system_map", "text_offset", "dtb_dir", "build_log", "kconfig_fragments",
    )},
}

# Flat data keys copied to the document unchanged (null when absent).
_FLAT_COPIED = (
    "build_environment", "git_url", "git_commit", "git_describe", "git_describe_v", "compiler",
    "compiler_version", "compiler_version_full", "cross_compile", "kconfig_fragments", "kernel_config",
    "kernel_image", "system_map", "modules", "modules_dir", "dtb_dir", "build_log", "text_offset",
    "vmlinux_bss_size", "vmlinux_data_size", "vmlinux_file_size", "vmlinux_text_size", "file_server_url",
    "kernel_image_size", "modules_size",
)


def _checked_flat_keys(source: dict[str, Any], where: str) -> dict[str, Any]:
    """The known keys of a flat body or bmeta.json with their values checked;
    null values count as absent."""
    data = {}
    for key, value in source.items():
        check = FLAT_KEYS.get(key)
        if check is None or value is None:
            continue
        if not check(value) or contains_nul(value):
            raise BuildRejected(_INVALID_JSON, [f"Wrong value or type for key '{key}' in {where}"])
        data[key] = value
    return data


def _check_flat_body(body: dict[str, Any]) -> dict[str, Any]:
    missing = [key for key in REQUIRED_FLAT_KEYS if body.get(key) in (None, "")]
    if missing:
        raise BuildRejected(_INVALID_JSON, [f"One or more mandatory keys are missing or empty: {', '.join(missing)}"])
    data = _checked_flat_keys(body, "the JSON data")
    for key in ("job", "kernel"):
        if not is_valid_name(data[key]):
            raise BuildRejected(f"Invalid {key} name: '{data[key]}'", [f"Key '{key}' is not a valid name"])
    return data


def _read_bmeta(root: Path, directory: Path | None) -> dict[str, Any]:
    """§5.2.2: the checked keys of the build directory's bmeta.json, if any."""
    try:
        raw = build_files.read_metadata_file(directory)
    except OSError as exc:
        raise BuildRejected(f"Cannot read bmeta.json: {exc.strerror or exc}") from None
    if raw is None:
        return {}
    try:
        content = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BuildRejected("bmeta.json is not valid JSON") from None
    if not isinstance(content, dict) or not content:
        raise BuildRejected("bmeta.json must be a non-empty JSON object")
    return _checked_flat_keys(content, "bmeta.json")


def flat_candidate(body: dict[str, Any], root: Path) -> Candidate:
    ignored = [key for key in body if key not in FLAT_KEYS]
    given = _check_flat_body(body)
    for key in ("file_server_resource", "path"):
        if key in given:
            _storage_directory(root, key, given[key])
    location = given.get("file_server_resource", given.get("path"))
    directory = _storage_directory(root, "file_server_resource", location) if location is not None else None
    data = {**_read_bmeta(root, directory), **given}  # §5.2.3: the body wins
    resource = data.get("file_server_resource", data.get("path"))
    if resource is not None and resource != location:
        directory = _storage_directory(root, "file_server_resource", resource)

    document: dict[str, Any] = {key: data.get(key) for key in _FLAT_COPIED}
    document.update(
        version=data.get("version", "1.1"),
        job=data["job"], kernel=data["kernel"], git_branch=data["git_branch"],
        arch=data["arch"], defconfig=data["defconfig"], defconfig_full=flat_defconfig_full(data),
        status=data.get("status", data.get("build_result", "UNKNOWN")),
        errors=data.get("build_errors", 0), warnings=data.get("build_warnings", 0), mismatches=0,
        build_time=data.get("build_time", 0), build_type=data.get("build_type", "kernel"),
        build_platform=data.get("build_platform", []),
        kernel_version=kernel_version(data.get("git_describe_v"), data.get("git_describe")),
        compiler_version_ext=data.get("compiler_version_full"),
        file_server_resource=resource,
        kernel_build_logs=[data.get("build_log") or "build.log"] if resource is not None else [],
        metadata={}, dirname=None,
    )
    existing = directory if directory is not None and directory.is_dir() else None
    _add_sizes(document, root, existing, with_build_log=True)
    dtbs = build_files.list_dtbs(root, existing, document["dtb_dir"])
    document["dtb_dir_data"] = dtbs if dtbs is not None else data.get("dtb_dir_data", [])
    document["identity_key"] = identity_key(document)
    return Candidate(document, ignored)


# ---------------------------------------------------------------------------
# Nested form (build.md §5.1)
# ---------------------------------------------------------------------------


class _Nested:
    """Checks of §5.1, in the order listed; the first violation is reported."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body

    @staticmethod
    def fail(message: str) -> None:
        raise BuildRejected(_INVALID_JSON, [message])

    def section(self, parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        value = parent.get(key)
        if not isinstance(value, dict):
            self.fail(f"'{where}{key}' is a required object")
        return value

    def strings(self, parent: dict[str, Any], where: str, required: tuple[str, ...],
                optional: tuple[str, ...] = ()) -> None:
        for key in required:
            if not isinstance(parent.get(key), str):
                self.fail(f"'{where}.{key}' is a required string")
        for key in optional:
            if parent.get(key) is not None and not isinstance(parent[key], str):
                self.fail(f"'{where}.{key}' must be a string")

    def integers(self, parent: dict[str, Any], where: str, keys: tuple[str, ...]) -> None:
        for key in keys:
            if parent.get(key) is not None and not _is_int(parent[key]):
                self.fail(f"'{where}.{key}' must be an integer")

    def check(self) -> None:
        for key in ("bmeta", "steps", "artifacts"):
            if key not in self.body:
                self.fail(f"'{key}' is required")
        bmeta = self.body["bmeta"]
        if not isinstance(bmeta, dict):
            self.fail("'bmeta' must be an object")
        for key in ("build", "environment", "kernel", "revision"):
            if key not in bmeta:
                self.fail(f"'bmeta.{key}' is required")
        self.check_build(self.section(bmeta, "build", "bmeta."))
        self.check_environment(self.section(bmeta, "environment", "bmeta."))
        kernel = self.section(bmeta, "kernel", "bmeta.")
        self.strings(kernel, "bmeta.kernel", ("defconfig", "defconfig_full", "publish_path"), ("text_offset",))
        self.integers(kernel, "bmeta.kernel",
                      ("vmlinux_bss_size", "vmlinux_data_size", "vmlinux_file_size", "vmlinux_text_size"))
        self.check_revision(self.section(bmeta, "revision", "bmeta."))
        self.check_steps(self.body["steps"])
        self.check_artifacts(self.body["artifacts"])

    def check_build(self, build: dict[str, Any]) -> None:
        if build.get("status") not in ("PASS", "FAIL"):
            self.fail("'bmeta.build.status' must be PASS or FAIL")
        duration = build.get("duration")
        if duration is not None and not _non_negative_number(duration):
            self.fail("'bmeta.build.duration' must be a number >= 0")

    def check_environment(self, environment: dict[str, Any]) -> None:
        self.strings(environment, "bmeta.environment", ("name", "arch", "compiler_version_full"),
                     ("compiler", "compiler_version", "cross_compile"))

    def check_revision(self, revision: dict[str, Any]) -> None:
        self.strings(revision, "bmeta.revision", ("branch", "describe", "tree", "url"), ("describe_verbose",))
        if not isinstance(revision.get("commit"), str) or not _COMMIT.match(revision["commit"]):
            self.fail("'bmeta.revision.commit' must be 40 lower-case hexadecimal characters")

    def check_steps(self, steps: Any) -> None:
        if not isinstance(steps, list) or not steps:
            self.fail("'steps' must be a non-empty array")
        for index, step in enumerate(steps):
            if not isinstance(step, dict) or not isinstance(step.get("name"), str) \
                    or step.get("status") not in ("PASS", "FAIL"):
                self.fail(f"'steps[{index}]' needs a string 'name' and a 'status' of PASS or FAIL")

    def check_artifacts(self, artifacts: Any) -> None:
        if not isinstance(artifacts, dict) or "kernel" not in artifacts:
            self.fail("'artifacts' must be an object with a 'kernel' entry")
        for key, entries in artifacts.items():
            if not isinstance(entries, list):
                self.fail(f"'artifacts.{key}' must be an array")
            for index, entry in enumerate(entries):
                where = f"'artifacts.{key}[{index}]'"
                if not isinstance(entry, dict) or entry.get("type") not in ("file", "directory", "tarball"):
                    self.fail(f"{where} needs a 'type' of file, directory or tarball")
                if not isinstance(entry.get("path"), str):
                    self.fail(f"{where} needs a string 'path'")
                if "key" in entry and not isinstance(entry["key"], str):
                    self.fail(f"{where}: 'key' must be a string")
                if "contents" in entry and not _string_list(entry["contents"]):
                    self.fail(f"{where}: 'contents' must be an array of strings")


def _artifact_path(entries: list[dict], **match: str) -> str | None:
    for entry in entries:
        if all(entry.get(k) == v for k, v in match.items()):
            return entry["path"]
    return None


def _build_platform(environment: dict[str, Any], steps: list[dict]) -> list:
    """build.md §7.5: uname, with an empty 6th element replaced by the CPU name."""
    platform = environment.get("platform")
    uname = platform.get("uname") if isinstance(platform, dict) else None
    if not isinstance(uname, list):
        return []
    uname = list(uname)
    cpus = steps[0].get("cpus")
    if len(uname) == 6 and uname[5] in ("", None) and isinstance(cpus, dict) and cpus:
        uname[5] = next(iter(cpus))
    return uname


def nested_candidate(body: dict[str, Any], root: Path) -> Candidate:
    _Nested(body).check()
    bmeta, steps, artifacts = body["bmeta"], body["steps"], body["artifacts"]
    build, environment = bmeta["build"], bmeta["environment"]
    kernel, revision = bmeta["kernel"], bmeta["revision"]
    for key in ("tree", "describe"):
        if not is_valid_name(revision[key]):
            raise BuildRejected(f"Invalid {key} name: '{revision[key]}'", [f"'bmeta.revision.{key}' is not a valid name"])
    directory = _storage_directory(root, "publish_path", kernel["publish_path"])

    configs, kernels = artifacts.get("config", []), artifacts["kernel"]
    modules = artifacts.get("modules", [])
    dtb_entry = next((e for e in artifacts.get("dtbs", []) if e["type"] == "directory"), None)
    logs = [_artifact_path(kernels, key="log"), _artifact_path(modules, key="log")]
    document: dict[str, Any] = dict(
        version="1.1",
        job=revision["tree"], kernel=revision["describe"], git_branch=revision["branch"],
        arch=environment["arch"], defconfig=kernel["defconfig"], defconfig_full=kernel["defconfig_full"],
        build_environment=environment["name"], status=build["status"],
        errors=0, warnings=0, mismatches=0,
        build_time=build.get("duration") if build.get("duration") is not None else 0,
        build_type="kernel", build_platform=_build_platform(environment, steps),
        git_url=revision["url"], git_commit=revision["commit"], git_describe=revision["describe"],
        git_describe_v=revision.get("describe_verbose"),
        kernel_version=kernel_version(revision.get("describe_verbose"), revision["describe"]),
        compiler=environment.get("compiler"), compiler_version=environment.get("compiler_version"),
        compiler_version_full=environment["compiler_version_full"],
        compiler_version_ext=environment["compiler_version_full"],
        cross_compile=environment.get("cross_compile"),
        kconfig_fragments=[e["path"] for e in configs if e.get("key") == "fragment"],
        kernel_config=_artifact_path(configs, key="config"),
        kernel_image=_artifact_path(kernels, key="image"),
        system_map=_artifact_path(kernels, key="system_map"),
        modules=_artifact_path(modules, type="tarball"),
        modules_dir=None,
        dtb_dir="dtbs" if dtb_entry is not None else None,
        dtb_dir_data=list(dtb_entry.get("contents", [])) if dtb_entry is not None else [],
        build_log="logs", build_log_size=None,
        kernel_build_logs=[path for path in logs if path is not None],
        text_offset=kernel.get("text_offset"),
        **{key: kernel.get(key) for key in
           ("vmlinux_bss_size", "vmlinux_data_size", "vmlinux_file_size", "vmlinux_text_size")},
        file_server_url=None, file_server_resource=kernel["publish_path"],
        metadata={}, dirname=None,
    )
    if contains_nul(document):
        raise BuildRejected(_INVALID_JSON, ["Strings must not contain NUL characters"])
    existing = directory if directory.is_dir() else None
    _add_sizes(document, root, existing, with_build_log=False)
    document["identity_key"] = identity_key(document)
    return Candidate(document)


def candidate(body: dict[str, Any], root: Path) -> Candidate:
    """The build document a POST /build body asks for (form chosen by `bmeta`)."""
    result = nested_candidate(body, root) if "bmeta" in body else flat_candidate(body, root)
    _check_indexed_lengths(result.document)
    return result
