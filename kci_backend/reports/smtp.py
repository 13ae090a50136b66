"""Handing a message to the SMTP server and naming the outcome (email-reports.md §2.1).

`Outcome.retryable` is true only when nothing was delivered and trying
later may work: the server could not be reached, or answered with a
temporary (4xx) code. A refusal (5xx) is final.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import aiosmtplib

log = logging.getLogger("kci_backend.reports")

NOT_CONFIGURED = "No SMTP host and/or sender configured: email not sent"


@dataclass
class Outcome:
    status: str  # SENT or ERROR
    errors: list[list] = field(default_factory=list)
    retryable: bool = False

    @property
    def sent(self) -> bool:
        return self.status == "SENT"


def _error(code: int, message: str, retryable: bool) -> Outcome:
    return Outcome("ERROR", [[int(code), message]], retryable)


def _client(settings: Any) -> aiosmtplib.SMTP:
    implicit_tls = settings.smtp_tls or settings.smtp_port == 465
    login = settings.smtp_user and settings.smtp_password
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host, port=settings.smtp_port, timeout=settings.smtp_timeout,
        use_tls=implicit_tls, start_tls=bool(settings.smtp_starttls and not implicit_tls),
        username=settings.smtp_user if login else None, password=settings.smtp_password if login else None,
    )


async def deliver(settings: Any, message: EmailMessage, recipients: list[str]) -> Outcome:
    """Send `message` from `smtp_sender` to `recipients`; never raises."""
    if not settings.smtp_host or not settings.smtp_sender:
        return _error(500, NOT_CONFIGURED, False)
    client = _client(settings)
    try:
        await client.connect()
        refused, _ = await client.send_message(message, sender=settings.smtp_sender, recipients=recipients)
        if refused:
            log.warning("some recipients refused: %s", ", ".join(refused))
        return Outcome("SENT")
    except aiosmtplib.SMTPRecipientsRefused as exc:
        first = exc.recipients[0]
        return _error(first.code, first.message, 400 <= first.code < 500)
    except aiosmtplib.SMTPResponseException as exc:
        return _error(exc.code, exc.message, 400 <= exc.code < 500)
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPServerDisconnected,
            OSError) as exc:
        return _error(500, str(exc) or type(exc).__name__, True)
    except aiosmtplib.SMTPException as exc:
        return _error(500, str(exc) or type(exc).__name__, False)
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
