"""`report`: outcome of the latest email of one kind for one kernel (spec/report.md §1)."""

from .base import Field, Kind, collection

REPORT_KINDS = ("build", "boot", "test", "bisect")
REPORT_STATUSES = ("SENT", "ERROR")

REPORT = collection(
    "report",
    Field("name", filter=True, doc="<job>-<git_branch>-<kernel>"),
    Field("job", filter=True),
    Field("git_branch"),
    Field("kernel", filter=True),
    Field("type", filter=True, doc="Report kind: build, boot, test or bisect"),
    Field("status", filter=True, doc="SENT or ERROR"),
    Field("errors", Kind.JSON, default=[], doc="[code, message] pairs of the latest attempt"),
    Field("updated_on", Kind.DATE, filter=True, doc="Time of the latest overwrite; null on first write"),
    Field("version", default="1.1"),
    # report.md §1.1: one record per (job, git_branch, kernel, kind), upserted.
    identity=("job", "git_branch", "kernel", "name", "type"),
    indexes=(("status", "created_on"),),
)
