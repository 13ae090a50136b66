"""`build`: one kernel compiled for one arch, config and toolchain (spec/build.md §2).

Filter keys follow the `build` row of query.md Appendix A, distinct fields
build.md §9. The natural key of build.md §1 includes `build_environment`,
which may be null; SQL unique indexes treat nulls as all different, so the
identity is kept as a hidden digest of the seven values (`identity_key`,
see services/build_input.py) and the upsert runs ON CONFLICT on it.
"""

from .base import Field, Kind, collection

BUILD_STATUSES = ("PASS", "FAIL", "UNKNOWN", "BUILD")

# build.md §1: a re-submitted build with these values replaces the stored one.
BUILD_IDENTITY = ("job", "kernel", "git_branch", "arch", "defconfig", "defconfig_full", "build_environment")

BUILD = collection(
    "build",
    Field("version", default="1.1"),
    Field("job", filter=True, distinct=True, required=True),
    Field("kernel", filter=True, distinct=True, required=True),
    Field("git_branch", filter=True, distinct=True, required=True),
    Field("job_id", Kind.OID, filter=True, server=True),
    Field("arch", filter=True, distinct=True, required=True),
    Field("defconfig", filter=True, distinct=True, required=True),
    Field("defconfig_full", filter=True, distinct=True),
    Field("build_environment", filter=True, distinct=True),
    Field("status", filter=True, default="UNKNOWN"),
    Field("errors", Kind.INT, filter=True, default=0),
    Field("warnings", Kind.INT, filter=True, default=0),
    Field("mismatches", Kind.INT, server=True, default=0),
    Field("build_time", Kind.FLOAT, default=0),
    Field("build_type", filter=True, default="kernel"),
    Field("build_platform", Kind.JSON, default=[]),
    Field("git_url", distinct=True),
    Field("git_commit", filter=True, distinct=True),
    Field("git_describe", filter=True, distinct=True),
    Field("git_describe_v", distinct=True),
    Field("kernel_version", filter=True, distinct=True, server=True),
    Field("compiler", filter=True, distinct=True),
    Field("compiler_version", filter=True, distinct=True),
    Field("compiler_version_full"),
    Field("compiler_version_ext", distinct=True, server=True),
    Field("cross_compile"),
    # A string (flat form) or an array of paths (nested form), build.md B8.
    Field("kconfig_fragments", Kind.JSON, filter=True),
    Field("kernel_config", filter=True),
    Field("kernel_config_size", Kind.INT, filter=True, server=True),
    Field("kernel_image", filter=True),
    Field("kernel_image_size", Kind.INT, filter=True),
    Field("system_map", filter=True),
    Field("system_map_size", Kind.INT, filter=True, server=True),
    Field("modules", filter=True),
    Field("modules_size", Kind.INT, filter=True),
    Field("modules_dir", filter=True),
    Field("dtb_dir"),
    Field("dtb_dir_data", Kind.JSON, default=[]),
    Field("build_log", filter=True),
    Field("build_log_size", Kind.INT, filter=True, server=True),
    Field("kernel_build_logs", Kind.JSON, server=True, default=[]),
    Field("text_offset", filter=True),
    Field("vmlinux_bss_size", Kind.INT),
    Field("vmlinux_data_size", Kind.INT),
    Field("vmlinux_file_size", Kind.INT),
    Field("vmlinux_text_size", Kind.INT),
    Field("file_server_url"),
    Field("file_server_resource"),
    Field("metadata", Kind.JSON, server=True, default={}),
    Field("dirname", filter=True, server=True),
    Field("identity_key", server=True, hidden=True,
          doc="Digest of the build.md §1 identity (null-safe unique key)"),
    identity=("identity_key",),
    indexes=(
        ("job", "kernel", "git_branch"),
        ("job_id",),
        ("job", "created_on"),
        ("kernel", "created_on"),
        ("arch", "defconfig_full"),
        ("defconfig_full", "created_on"),
        ("status", "created_on"),
        ("git_commit",),
    ),
)
