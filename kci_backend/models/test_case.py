"""`test_case`: one test result inside a test group (spec/test.md §3.3)."""

from .base import Field, Kind, collection

TEST_STATUSES = ("PASS", "FAIL", "SKIP", "ERROR", "UNKNOWN")

TEST_CASE = collection(
    "test_case",
    Field("version", filter=True, server=True, default="1.0"),
    Field("name", filter=True, required=True),
    Field("status", filter=True, default="PASS"),
    # Seconds; a query on `time` never matches (query.md App. A), see resources/test.py.
    Field("time", Kind.FLOAT, default=-1.0),
    Field("index", Kind.INT, filter=True, server=True),
    Field("test_group_id", Kind.OID, filter=True, distinct=True, server=True),
    Field("plan", filter=True, server=True),
    Field("test_case_path", server=True),
    Field("regression_id", Kind.OID, filter=True, server=True),
    Field("measurements", Kind.JSON, default=[]),
    Field("log_lines", Kind.JSON, default=[]),
    # Copied from the containing group.
    Field("arch", filter=True, server=True),
    Field("build_environment", filter=True, server=True),
    Field("defconfig_full", filter=True, server=True),
    Field("device_type", filter=True, distinct=True, server=True),
    Field("git_branch", filter=True, server=True),
    Field("git_commit", server=True),
    Field("job", filter=True, distinct=True, server=True),
    Field("kernel", filter=True, server=True),
    Field("lab_name", filter=True, server=True),
    Field("mach", filter=True, distinct=True, server=True),
    # test.md §6.5; its leading test_group_id also serves "cases of a group".
    identity=("test_group_id", "name", "kernel"),
    indexes=(
        ("job", "git_branch", "kernel", "plan", "status"),
        ("lab_name", "device_type"),
        ("regression_id",),
    ),
)
