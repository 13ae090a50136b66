"""Email reports (spec/email-reports.md): gather data, render, compose, send.

One module per report kind (`build`, `boot`, `test`, `bisect`) reads the
database when the report is due and returns a `content.Report` (or None:
nothing to report). Templates are in `templates/`; `message` builds the MIME
message and envelope and `smtp` hands it over. Running a scheduled report
and recording its outcome is `services/email_reports.py`.
"""
