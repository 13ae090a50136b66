"""`error_logs`: the parsed logs of one build (spec/build-logs.md §5.2).

One document per build (identity `build_id`). The docs name the count
filters `errors`, `warnings` and `mismatches`; those stored names hold the
line arrays, so the three are filter aliases of the `*_count` fields
(build-logs.md §7.1, divergence L4).
"""

from .base import Field, Kind, collection

ERROR_LOGS = collection(
    "error_logs",
    Field("version", filter=True, default="1.1"),
    Field("build_id", Kind.OID, filter=True, required=True),
    Field("job_id", Kind.OID, filter=True, index=True),
    Field("job", filter=True),
    Field("kernel", filter=True),
    Field("git_branch", filter=True),
    Field("arch", filter=True),
    Field("defconfig", filter=True),
    Field("defconfig_full", filter=True),
    Field("build_environment"),
    Field("status", filter=True),
    Field("compiler"),
    Field("compiler_version"),
    Field("compiler_version_ext"),
    Field("compiler_version_full"),
    Field("file_server_url"),
    Field("file_server_resource"),
    Field("errors", Kind.JSON, default=[]),
    Field("errors_count", Kind.INT, filter=True, default=0),
    Field("warnings", Kind.JSON, default=[]),
    Field("warnings_count", Kind.INT, filter=True, default=0),
    Field("mismatches", Kind.JSON, default=[]),
    Field("mismatches_count", Kind.INT, filter=True, default=0),
    identity=("build_id",),
    indexes=(("job", "kernel", "git_branch"),),
    filter_aliases={"errors": "errors_count", "warnings": "warnings_count", "mismatches": "mismatches_count"},
)
