"""Email delivery behind an interface: SMTP in production, the log (and the developer outbox page) locally.

Messages are multipart/alternative (plain text and HTML) in the recipient's language, with a Message-ID
derived from the outbox job's idempotency key: SMTP cannot deliver exactly once (a worker may die after
the server accepted a message but before the job was recorded as sent), so a re-send carries the same
Message-ID and the recipient's mail system can recognise it as the same message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any, Protocol

import aiosmtplib

from backend.settings import Settings

logger = logging.getLogger("hearby.mail")

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 2_000_000
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]")


class DeliveryError(Exception):
    """A message could not be delivered this time."""


class PermanentDeliveryError(DeliveryError):
    """Trying again will not help (an invalid or refused recipient, a 5xx answer): the job goes dead."""


class TransientDeliveryError(DeliveryError):
    """Worth trying again later (no connection, a timeout, a 4xx answer): the job is retried with backoff."""


class EmailSender(Protocol):
    """Something that hands a finished message to a mail system."""

    async def send(self, message: EmailMessage) -> None:
        """Deliver one message or raise a DeliveryError saying whether to retry."""
        ...

    async def close(self) -> None:
        """Release any connection."""
        ...


def message_id(idempotency_key: str, mail_from: str) -> str:
    """A Message-ID that is the same every time the same job is sent."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    _, address = parseaddr(mail_from)
    domain = address.rpartition("@")[2] or "hearby.localhost"
    return f"<{digest}.outbox@{domain}>"


def build_message(payload: dict[str, Any], *, idempotency_key: str, mail_from: str, now: datetime) -> EmailMessage:
    """The MIME message for an outbox email payload (to, subject, text, html, locale, optional attachments).

    `attachments` is a list of `{"filename", "content_type", "content_base64"}` (e.g. an `.ics` file);
    the message becomes multipart/mixed with the text/HTML alternative first.
    """
    try:
        recipient = Address(addr_spec=str(payload.get("to", "")).strip())
    except (ValueError, IndexError, HeaderParseError) as exc:
        raise PermanentDeliveryError("the recipient address is not valid") from exc
    if not recipient.username or not recipient.domain:
        raise PermanentDeliveryError("the recipient address is not valid")
    message = EmailMessage()
    try:
        message["From"] = mail_from
        message["To"] = recipient
        message["Subject"] = str(payload.get("subject", ""))
    except (ValueError, IndexError, HeaderParseError) as exc:  # header injection in the subject, a bad sender
        raise PermanentDeliveryError(f"the message headers are not valid: {type(exc).__name__}") from exc
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(idempotency_key, mail_from)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(str(payload.get("text", "")))
    message.add_alternative(str(payload.get("html", "")), subtype="html")
    # After the body: turning the message into multipart/alternative moves Content-* headers into the parts.
    language = str(payload.get("locale") or "en")
    message["Content-Language"] = language
    for part in message.iter_parts():
        part["Content-Language"] = language
    attachments = _attachments(payload.get("attachments"))
    for filename, maintype, subtype, data in attachments:
        # Text attachments (an .ics) are UTF-8: say so, or mail clients read them as ASCII and mangle names.
        params = {"charset": "utf-8"} if maintype == "text" else {}
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, params=params)
    if attachments:  # multipart/mixed moved the Content-* headers into the alternative part
        message["Content-Language"] = language
    return message


def _attachments(value: Any) -> list[tuple[str, str, str, bytes]]:
    """Validated attachments of a payload: (filename, maintype, subtype, bytes). Bad ones are permanent errors."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ATTACHMENTS:
        raise PermanentDeliveryError("the attachments are not valid")
    found = []
    for item in value:
        if not isinstance(item, dict):
            raise PermanentDeliveryError("an attachment is not valid")
        content_type = str(item.get("content_type", "")).strip().lower()
        if not _CONTENT_TYPE.match(content_type):
            raise PermanentDeliveryError("an attachment's content type is not valid")
        filename = _UNSAFE_FILENAME.sub("_", str(item.get("filename", "")).strip())[:100] or "attachment"
        try:
            data = base64.b64decode(str(item.get("content_base64", "")), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise PermanentDeliveryError("an attachment is not valid base64") from exc
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise PermanentDeliveryError("an attachment is too large")
        maintype, _, subtype = content_type.partition("/")
        found.append((filename, maintype, subtype, data))
    return found


class SmtpEmailSender:
    """Sends over SMTP with aiosmtplib, keeping one connection open between messages."""

    def __init__(self, settings: Settings, timeout: float = 20.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = aiosmtplib.SMTP(
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_username,
            password=self.settings.smtp_password,
            start_tls=self.settings.smtp_starttls,
            timeout=self.timeout,
        )
        await client.connect()
        self._client = client
        return client

    async def send(self, message: EmailMessage) -> None:
        """Send one message; 5xx answers are permanent, connection trouble and 4xx answers transient."""
        try:
            client = await self._connected()
            await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refusal.code for refusal in exc.recipients]
            error = f"recipient refused ({', '.join(str(code) for code in codes)})"
            if codes and all(code >= 500 for code in codes):
                raise PermanentDeliveryError(error) from exc
            raise TransientDeliveryError(error) from exc
        except aiosmtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.code}: {exc.message}"
            if exc.code == 421 or isinstance(exc, aiosmtplib.SMTPConnectError):
                await self.close()  # the server is closing the connection
            if exc.code >= 500:
                raise PermanentDeliveryError(error) from exc
            raise TransientDeliveryError(error) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self.close()
            raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        """Say goodbye to the server if still connected; forget the connection either way."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            client.close()


class LogEmailSender:
    """The embedded default: writes each mail to the log; the developer outbox page shows it in full."""

    async def send(self, message: EmailMessage) -> None:
        """Log the subject, language and text body (the recipient is masked)."""
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        logger.info(
            "email (not sent: MAIL_BACKEND=log; see /dev/mail)",
            extra={
                "fields": {
                    "to": mask_address(str(message["To"])),
                    "subject": str(message["Subject"]),
                    "language": str(message["Content-Language"]),
                    "message_id": str(message["Message-ID"]),
                    "text": text,
                }
            },
        )

    async def close(self) -> None:
        """Nothing to release."""


def mask_address(address: str) -> str:
    """`alice@example.org` → `a…@example.org`: enough to tell mails apart in a developer's log."""
    local, at, domain = address.rpartition("@")
    return f"{local[:1]}…@{domain}" if at else "…"


def make_email_sender(settings: Settings) -> EmailSender:
    """The sender chosen by MAIL_BACKEND: `smtp` or `log`."""
    if settings.mail_backend == "smtp":
        return SmtpEmailSender(settings)
    if settings.mail_backend == "log":
        return LogEmailSender()
    raise ValueError(f"MAIL_BACKEND must be smtp or log, not {settings.mail_backend!r}")
