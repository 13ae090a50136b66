"""`test_regression`: a test case that went from PASS to FAIL in one series
(spec/test-regressions.md §1). One document per failing kernel revision.

Re-running detection for the same result overwrites the document with the
same base key and kernel (§2.3 divergence "idempotency"). The base key has
nullable members (compiler, git_url, mach), so it is kept as a hidden digest
column (`identity_key`) that detection computes and upserts on.
"""

from .base import Field, Kind, collection

# test-regressions.md §2.2 base key (+ kernel), in this order inside the digest.
REGRESSION_IDENTITY = ("job", "git_branch", "arch", "device_type", "lab_name", "defconfig_full",
                       "build_environment", "compiler", "compiler_version", "git_url", "mach", "hierarchy",
                       "kernel")

TEST_REGRESSION = collection(
    "test_regression",
    Field("version", server=True),
    Field("job", filter=True),
    Field("git_branch", filter=True),
    Field("arch"),
    Field("device_type", filter=True),
    Field("lab_name", filter=True),
    Field("defconfig_full", filter=True),
    Field("build_environment", filter=True),
    Field("kernel", filter=True),
    Field("compiler"),
    Field("compiler_version"),
    Field("git_url"),
    Field("mach"),
    Field("hierarchy", Kind.JSON, default=[]),
    Field("test_case_path"),
    Field("plan", filter=True),
    Field("regressions", Kind.JSON, default=[], doc="Last PASS, then each later FAIL, oldest first"),
    Field("identity_key", server=True, hidden=True, doc="Digest of the base key and kernel"),
    identity=("identity_key",),
    indexes=(("job", "kernel", "git_branch", "plan"),),
)
