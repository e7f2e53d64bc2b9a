"""Sending email through the transport named by PARTNERHUB_MAIL_URL.

`file:///path` writes one .eml file per message (the embedded default: read them in any mail
program, or under /dev/mail in the app); `smtp://user:pass@host:port?starttls=1` and
`smtps://…` deliver for real.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from partnerhub.text import one_line


@dataclass
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> EmailMessage:
    """A multipart email with text and HTML twins, a fixed Message-ID and attachments.

    Every header value is put on one line: a line break in a stored name or title would
    otherwise make the message fail to build, or add a header of its own.
    """
    msg = EmailMessage()
    msg["From"] = one_line(sender)
    msg["To"] = one_line(to)
    msg["Subject"] = one_line(subject)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = one_line(message_id) or make_msgid(domain="partnerhub")
    for name, value in (headers or {}).items():
        msg[one_line(name)] = one_line(value)
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for item in attachments:
        msg.add_attachment(
            item.content,
            maintype=item.maintype,
            subtype=item.subtype,
            filename=item.filename,
            params=item.params,
        )
    return msg


_written = itertools.count()


class FileTransport:
    """Writes each message as an .eml file into a folder."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def send(self, msg: EmailMessage) -> dict[str, tuple[int, bytes]]:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        # Files sort in the order they were written, even within one tick of the clock.
        order = next(_written)
        digest = hashlib.sha256(str(msg["Message-ID"]).encode()).hexdigest()[:12]
        (self.folder / f"{stamp}-{order:06d}-{digest}.eml").write_bytes(bytes(msg))
        return {}

    def close(self) -> None:
        pass


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings for mail servers, built once: loading the CA store takes ~40 ms."""
    return ssl.create_default_context()


class SMTPTransport:
    """Delivers over SMTP, reusing one connection across messages until closed."""

    def __init__(self, url: str, timeout: float = 30) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            connection = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=tls_context()
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                connection.starttls(context=tls_context())
        if self.username:
            connection.login(self.username, self.password or "")
        return connection

    def send(self, msg: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """Send one message; returns the recipients the server refused (empty when all took it)."""
        if self._connection is None:
            self._connection = self._connect()
        try:
            return self._connection.send_message(msg)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.quit()
            self._connection = None


def transport_for(url: str) -> FileTransport | SMTPTransport:
    """The transport a PARTNERHUB_MAIL_URL names."""
    scheme = urlsplit(url).scheme
    if scheme == "file":
        return FileTransport(unquote(urlsplit(url).path))
    if scheme in ("smtp", "smtps"):
        return SMTPTransport(url)
    raise ValueError(
        f"PARTNERHUB_MAIL_URL must start with file://, smtp:// or smtps://, not {url!r}"
    )
