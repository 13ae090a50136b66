"""What a scheduled report needs to know: the accepted `/send` trigger of one kind.

It is the payload of the `email_report` task (send.md §3.8), so it is kept
to plain JSON values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

KINDS = ("build", "boot", "test", "bisect")
# Bisection reports name the bisection with these trigger fields (send.md §2.1).
BISECT_KEYS = ("type", "arch", "defconfig_full", "build_environment", "device_type", "test_case_path",
               "good_commit", "bad_commit")


@dataclass
class ReportTrigger:
    kind: str
    job: str
    kernel: str
    git_branch: str
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    format: list[str] = field(default_factory=lambda: ["txt"])
    subject: str | None = None
    in_reply_to: str | None = None
    lab_name: str | None = None
    plan: str | None = None
    template: str | None = None
    type: str | None = None
    arch: str | None = None
    defconfig_full: str | None = None
    build_environment: str | None = None
    device_type: str | None = None
    test_case_path: str | None = None
    good_commit: str | None = None
    bad_commit: str | None = None
    log: str | None = None

    def to_payload(self) -> dict:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict) -> "ReportTrigger":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in names})

    @property
    def name(self) -> str:
        """The report record name (report.md §1)."""
        return f"{self.job}-{self.git_branch}-{self.kernel}"
