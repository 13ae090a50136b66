"""The LAVA job definition and its `metadata` mapping (callback-lava.md §5, §9).

The definition is YAML text; its `metadata` mapping carries every build,
kernel and device fact the import uses. Each supported action has its own
list of mandatory and accepted keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kci_backend.lava.yamlsafe import YamlError, as_text, load_yaml

METADATA_MISSING = "metadata missing from LAVA job definition"


@dataclass(frozen=True)
class MetadataRules:
    mandatory: tuple[str, ...]  # in the order row 7 reports them
    optional: frozenset[str]

    def accepts(self, key: str) -> bool:
        return key in self.optional or key in self.mandatory


TEST_RULES = MetadataRules(
    mandatory=(
        "device.type",
        "git.branch",
        "git.commit",
        "job.arch",
        "job.build_environment",
        "kernel.defconfig",
        "kernel.defconfig_full",
        "kernel.tree",
        "test.plan",
    ),
    optional=frozenset({
        "git.describe", "git.url", "image.url", "job.dtb_url",
        "job.file_server_resource", "job.initrd_url", "job.kernel_image",
        "job.kernel_url", "job.modules_url", "job.name", "job.nfsrootfs_url",
        "job.original", "kernel.arch_defconfig", "kernel.endian",
        "kernel.version", "platform.dtb", "platform.dtb_short",
        "platform.fastboot", "platform.mach", "test.plan_variant",
    }),
)

BOOT_RULES = MetadataRules(
    mandatory=(
        "git.branch",
        "kernel.tree",
        "kernel.version",
        "platform.name",
        "job.build_environment",
    ),
    optional=frozenset({
        "device.type", "git.commit", "git.describe", "git.url", "image.type",
        "image.url", "job.arch", "job.dtb_url", "job.file_server_resource",
        "job.initrd_url", "job.kernel_image", "job.kernel_url",
        "job.modules_url", "job.name", "job.nfsrootfs_url", "job.original",
        "kernel.arch_defconfig", "kernel.defconfig", "kernel.defconfig_base",
        "kernel.endian", "platform.dtb", "platform.dtb_short",
        "platform.fastboot", "platform.mach", "test.plan", "test.plan_variant",
    }),
)

RULES_BY_ACTION = {"test": TEST_RULES, "boot": BOOT_RULES}


class DefinitionError(ValueError):
    """The definition cannot give a metadata mapping; the text is the 400 error entry."""


def parse_definition_metadata(definition: Any) -> dict[str, Any]:
    """Return the non-empty `metadata` mapping of a definition text (row 5)."""
    if definition is None:
        raise DefinitionError("definition missing from LAVA callback data")
    if not isinstance(definition, str):
        raise DefinitionError("definition in LAVA callback data is not a string")
    try:
        parsed = load_yaml(definition)
    except YamlError as error:
        raise DefinitionError(f"definition in LAVA callback data is {error}") from None
    metadata = parsed.get("metadata") if isinstance(parsed, dict) else None
    if not isinstance(metadata, dict) or not metadata:
        raise DefinitionError(METADATA_MISSING)
    return metadata


def metadata_problem(metadata: dict[str, Any], rules: MetadataRules) -> str | None:
    """Rows 6 and 7: the first unknown key, then the first missing mandatory key."""
    for key in metadata:
        if not isinstance(key, str) or not rules.accepts(key):
            return f"invalid LAVA metadata: {as_text(key)}"
    for key in rules.mandatory:
        if key not in metadata:
            return f"missing mandatory LAVA metadata: {key}"
    return None


# Metadata key → group field, for the plan metadata of a `test` import (§5).
TEST_GROUP_FIELDS = {
    "kernel.tree": "job",
    "kernel.version": "kernel",
    "git.branch": "git_branch",
    "git.commit": "git_commit",
    "git.describe": "git_describe",
    "git.url": "git_url",
    "job.arch": "arch",
    "job.build_environment": "build_environment",
    "kernel.defconfig": "defconfig",
    "kernel.defconfig_full": "defconfig_full",
    "kernel.endian": "endian",
    "device.type": "device_type",
    "platform.dtb": "dtb",
    "platform.mach": "mach",
    "job.file_server_resource": "file_server_resource",
    "job.initrd_url": "initrd",
    "job.kernel_image": "kernel_image",
    "test.plan_variant": "plan_variant",
}


def group_fields(metadata: dict[str, Any]) -> dict[str, Any]:
    """The group values named by the metadata; absent keys give `None`."""
    return {field: metadata.get(key) for key, field in TEST_GROUP_FIELDS.items()}
