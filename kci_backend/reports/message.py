"""The MIME message and SMTP envelope of a report (email-reports.md §1).

The standard library's `EmailMessage` with the SMTP policy does the
RFC 2047 encoding of non-ASCII headers, quoted-printable bodies and CRLF
line ends.
"""

from __future__ import annotations

import email.policy
import email.utils
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any, Iterable

from .content import Report

POLICY = email.policy.SMTP


def from_header(settings: Any) -> str | Address:
    if settings.smtp_sender_desc:
        return Address(display_name=settings.smtp_sender_desc, addr_spec=settings.smtp_sender)
    return settings.smtp_sender


def _message_id(sender: str) -> str:
    domain = sender.rpartition("@")[2] or "localhost"
    return email.utils.make_msgid(domain=domain)


def compose(settings: Any, report: Report, to: list[str], cc: list[str], in_reply_to: str | None) -> EmailMessage:
    """The message; Bcc never appears in it, only in the envelope."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = from_header(settings)
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = report.subject
    msg["Date"] = email.utils.formatdate(usegmt=True)
    msg["Message-ID"] = _message_id(settings.smtp_sender)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in report.headers.items():
        msg[name] = value
    _set_body(msg, report.text, report.html)
    return msg


def _set_body(msg: EmailMessage, text: str | None, html: str | None) -> None:
    if text is not None:
        msg.set_content(text, charset="utf-8", cte="quoted-printable")
        if html is not None:
            msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    else:
        msg.set_content(html or "", subtype="html", charset="utf-8", cte="quoted-printable")


def envelope_recipients(*lists: Iterable[str]) -> list[str]:
    """To + Cc + Bcc as bare addresses, in that order, each once (§1.4)."""
    addresses: list[str] = []
    for entries in lists:
        for entry in entries:
            address = email.utils.parseaddr(entry)[1] or entry.strip()
            if address and address not in addresses:
                addresses.append(address)
    return addresses
