"""`job`: one kernel revision built by the CI loop (spec/job.md §2)."""

from .base import Field, Kind, collection

JOB_STATUSES = ("BUILD", "FAIL", "PASS", "UNKNOWN")

JOB = collection(
    "job",
    Field("version", server=True, default="1.1"),
    Field("job", filter=True, distinct=True, required=True),
    Field("kernel", filter=True, distinct=True, required=True),
    Field("git_branch", filter=True, distinct=True, required=True),
    Field("status", filter=True, default="BUILD"),
    Field("private", Kind.BOOL, filter=True, default=False),
    Field("git_commit", filter=True, distinct=True),
    Field("git_describe", filter=True, distinct=True),
    Field("git_describe_v", distinct=True),
    Field("git_url", distinct=True),
    Field("kernel_version", filter=True, distinct=True),
    Field("compiler", distinct=True),
    Field("compiler_version", distinct=True),
    Field("compiler_version_ext", distinct=True),
    Field("compiler_version_full"),
    Field("cross_compile"),
    identity=("job", "kernel", "git_branch"),
    indexes=(("job", "created_on"), ("kernel", "created_on"), ("git_branch", "created_on"), ("status", "created_on")),
)
