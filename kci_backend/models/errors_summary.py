"""`errors_summary`: a job's build-log lines counted over its builds (spec/build-logs.md §6)."""

from .base import Field, Kind, collection

ERRORS_SUMMARY = collection(
    "errors_summary",
    Field("version", default="1.1"),
    Field("job_id", Kind.OID, filter=True, required=True),
    Field("job", filter=True),
    Field("kernel", filter=True),
    Field("git_branch", filter=True),
    # Arrays of [count, line] pairs in summary order (§6.2).
    Field("errors", Kind.JSON, default=[]),
    Field("warnings", Kind.JSON, default=[]),
    Field("mismatches", Kind.JSON, default=[]),
    identity=("job_id",),
    indexes=(("job", "kernel", "git_branch"),),
)
