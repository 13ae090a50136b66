"""`test_group`: one test plan, suite or set run on one device (spec/test.md §3.2).

Groups nest: a sub-group is a group whose `parent_id` is its container.
The natural identity (test.md §6.5) has nullable members (`parent_id` is null
for every plan), and SQL unique indexes treat NULLs as distinct, so the
identity is kept as one hidden digest column (`identity_key`) that the import
computes (services/test_input.py) and upserts on.
"""

from .base import Field, Kind, collection

# test.md §6.5, in this order inside the digest.
GROUP_IDENTITY = ("name", "lab_name", "arch", "build_environment", "defconfig", "defconfig_full", "device_type",
                  "git_branch", "git_commit", "initrd", "job", "kernel", "plan_variant", "parent_id")

TEST_GROUP = collection(
    "test_group",
    Field("version", filter=True, default="1.0"),
    Field("name", filter=True, distinct=True, required=True),
    Field("lab_name", filter=True, distinct=True, required=True),
    # Seconds; a query on `time` never matches (query.md App. A), see resources/test.py.
    Field("time", Kind.FLOAT, default=-1.0),
    Field("parent_id", Kind.OID, filter=True, server=True),
    Field("index", Kind.INT, filter=True),
    Field("test_cases", Kind.JSON, server=True, default=[], doc="Ids of the group's cases, in input order"),
    Field("sub_groups", Kind.JSON, server=True, default=[], doc="Ids of the direct sub-groups, in input order"),
    Field("arch", filter=True, distinct=True, required=True),
    Field("build_environment", filter=True, distinct=True, required=True),
    Field("defconfig", filter=True, distinct=True, required=True),
    Field("defconfig_full", filter=True, distinct=True),
    # Not a filter key (test.md §5.1) but sortable, distinct and countable.
    Field("device_type", distinct=True, required=True),
    Field("git_branch", filter=True, distinct=True, required=True),
    Field("git_commit", filter=True, required=True),
    Field("git_describe"),
    Field("git_url", filter=True),
    Field("job", filter=True, distinct=True, required=True),
    Field("kernel", filter=True, distinct=True, required=True),
    Field("board_instance", filter=True, distinct=True),
    Field("boot_log"),
    Field("boot_log_html"),
    Field("boot_result_description"),
    Field("dtb", filter=True),
    Field("endian"),
    Field("file_server_resource", filter=True),
    Field("initrd", distinct=True),
    Field("initrd_info", Kind.JSON, distinct=True),
    Field("kernel_image", filter=True),
    Field("mach", filter=True),
    Field("plan_variant"),
    Field("warnings", Kind.INT, default=0),
    Field("job_id", Kind.OID, filter=True, distinct=True, server=True),
    Field("build_id", Kind.OID, filter=True, distinct=True, server=True),
    Field("compiler", server=True),
    Field("compiler_version", server=True),
    Field("compiler_version_full", server=True),
    Field("cross_compile", server=True),
    Field("modules", filter=True, server=True),
    Field("identity_key", server=True, hidden=True, doc="Digest of the group identity (test.md §6.5)"),
    identity=("identity_key",),
    indexes=(
        ("job", "kernel", "git_branch"),
        ("parent_id",),
        ("build_id",),
        ("lab_name", "board_instance"),
        # The previous run of a series (test-regressions.md §2.3 step 2).
        ("job", "git_branch", "name", "created_on"),
    ),
)
