"""SMTP delivery with Flask-Mail's setting names (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS, ...).

One connection per run, opened on the first message. A server that cannot be reached fails the
rest of the run at once instead of timing out message by message; a message the server refuses
fails alone.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from compliance.db import utcnow

TIMEOUT_SECONDS = 30


class MailError(Exception):
    """A message was not accepted; the text says why (logged, and retried next run)."""


def build_message(
    *, sender: str, to_name: str, to_email: str, subject: str, text: str, html: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((to_name, to_email))
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: machine-generated, so out-of-office replies stay away.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class Mailer:
    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None
        self.unreachable: str | None = None

    @property
    def sender(self) -> str:
        sender = self.config["MAIL_DEFAULT_SENDER"]
        # Flask-Mail also takes a (name, address) pair.
        return formataddr(tuple(sender)) if isinstance(sender, list | tuple) else sender

    def _connect(self) -> smtplib.SMTP:
        host, port = self.config["MAIL_SERVER"], int(self.config["MAIL_PORT"])
        timeout = self.config.get("MAIL_TIMEOUT", TIMEOUT_SECONDS)
        if self.config.get("MAIL_USE_SSL"):
            connection = smtplib.SMTP_SSL(host, port, timeout=timeout)
        else:
            connection = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if self.config.get("MAIL_USE_TLS"):
                connection.starttls()
            if self.config.get("MAIL_USERNAME"):
                connection.login(self.config["MAIL_USERNAME"], self.config["MAIL_PASSWORD"] or "")
        except Exception:
            connection.close()
            raise
        return connection

    def send(self, message: EmailMessage) -> None:
        """Deliver one message. Raises MailError."""
        if self.unreachable:
            raise MailError(self.unreachable)
        if self.connection is None:
            try:
                self.connection = self._connect()
            except (OSError, smtplib.SMTPException) as error:
                self.unreachable = f"SMTP server unavailable: {_describe(error)}"
                raise MailError(self.unreachable) from error
        try:
            self.connection.send_message(message)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as error:
            raise MailError(f"refused: {_describe(error)}") from error
        except OSError as error:  # the connection broke (smtplib's errors are OSErrors too)
            self.connection.close()
            self.connection = None
            raise MailError(f"SMTP connection lost: {_describe(error)}") from error

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        return f"{error.smtp_code} {detail}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {msg.decode(errors='replace')}"
            for rcpt, (code, msg) in error.recipients.items()
        )
    return f"{type(error).__name__}: {error}"
