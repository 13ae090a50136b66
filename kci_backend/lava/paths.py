"""Storage paths built from callback data, and their safety rules (§6.2, SEC-2).

Metadata values become directory and file names under the storage root, so
each must be a *safe piece*: a non-empty string that is not `.` or `..` and
holds no `/`, `\\` or NUL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# Metadata keys that name storage path pieces, per action (row 7b).
PATH_KEYS_BY_ACTION = {
    "test": (
        "kernel.tree", "git.branch", "kernel.version", "job.arch",
        "kernel.defconfig_full", "job.build_environment", "device.type",
        "test.plan",
    ),
    "boot": (
        "kernel.tree", "git.branch", "kernel.version", "job.arch",
        "kernel.defconfig_full", "job.build_environment", "platform.name",
    ),
}
FILE_SERVER_RESOURCE_KEY = "job.file_server_resource"


def is_safe_piece(value: Any) -> bool:
    return (
        isinstance(value, str)
        and value not in ("", ".", "..")
        and not any(char in value for char in "/\\\0")
    )


def is_safe_relative_path(value: Any) -> bool:
    """A relative path whose `/`-separated segments are all safe pieces."""
    return isinstance(value, str) and all(is_safe_piece(part) for part in value.split("/"))


def path_problem(metadata: dict[str, Any], action: str, lab_name: str | None) -> str | None:
    """Row 7b: the 400 error entry for the first unsafe path value, if any."""
    for key in PATH_KEYS_BY_ACTION[action]:
        if key in metadata and not is_safe_piece(metadata[key]):
            return f"invalid LAVA metadata: {key}"
    resource = metadata.get(FILE_SERVER_RESOURCE_KEY)
    if FILE_SERVER_RESOURCE_KEY in metadata and not is_safe_relative_path(resource):
        return f"invalid LAVA metadata: {FILE_SERVER_RESOURCE_KEY}"
    # An empty lab_name counts as absent and is refused by row 8 instead.
    if lab_name and not is_safe_piece(lab_name):
        return "invalid lab_name"
    return None


def artefact_directory(values: dict[str, Any]) -> str:
    """Directory (relative to the storage root) for a job's log artefacts.

    `values` are group-style fields: `file_server_resource` when set, else
    `job`, `git_branch`, `kernel`, `arch`, `defconfig_full`,
    `build_environment`; always `lab_name`. A missing piece (possible only
    for optional values such as `kernel`) is left out rather than written as
    "None".
    """
    resource = values.get("file_server_resource")
    if resource:
        pieces = [resource]
    else:
        build_keys = ("job", "git_branch", "kernel", "arch", "defconfig_full", "build_environment")
        pieces = [values[key] for key in build_keys if values.get(key)]
    return "/".join([*pieces, values["lab_name"]])


def initrd_build_info_path(initrd: Any, storage_url: str) -> str | None:
    """Where the rootfs `build_info.json` lives in local storage, if it does (§6.1).

    Returns a path relative to the storage root when the initrd URL's host
    starts with the storage URL's host, else `None` (also for `None`,
    the string "None", or a URL path with unsafe segments).
    """
    if not isinstance(initrd, str) or initrd in ("", "None"):
        return None
    initrd_url, storage = urlsplit(initrd), urlsplit(storage_url)
    if not storage.hostname or not (initrd_url.hostname or "").startswith(storage.hostname):
        return None
    directory = initrd_url.path.strip("/").rpartition("/")[0]
    if directory and not is_safe_relative_path(directory):
        return None
    return f"{directory}/build_info.json" if directory else "build_info.json"


def test_log_file_names(plan: str, device_type: str) -> tuple[str, str]:
    """The `.txt` and `.html` boot log names of a `test` callback."""
    return f"{plan}-{device_type}.txt", f"{plan}-{device_type}.html"


def boot_log_file_names(board: str) -> tuple[str, str]:
    """The `.txt` and `.html` boot log names of a `boot` callback."""
    return f"boot-{board}.txt", f"boot-{board}.html"


def lava_json_file_name(device_or_board: str) -> str:
    return f"lava-json-{device_or_board}.json"
