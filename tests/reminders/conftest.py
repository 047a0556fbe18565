"""A real SMTP server on loopback (aiosmtpd), and one that answers nothing at all."""

from __future__ import annotations

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

PUBLIC = "https://compliance.lab.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: keeps what it accepts; `refuse` makes it answer DATA with that."""

    def __init__(self, delay: float = 0.0):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: str | None = None
        self.refuse_rcpt: set[str] = set()
        self.delay = delay
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        if self.refuse:
            return self.refuse
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in m["To"]]


class SmtpServer:
    def __init__(self, inbox: Inbox):
        self.inbox = inbox
        self.port = free_port()
        self.controller = Controller(inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


def mail_config(port: int) -> dict:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_DEFAULT_SENDER": "Compliance <compliance@lab.example>",
        "MAIL_TIMEOUT": 5,
        "PUBLIC_BASE_URL": PUBLIC,
    }


@pytest.fixture
def smtp(app):
    """Point the app at a fresh SMTP server; yields its inbox."""
    with SmtpServer(Inbox()) as server:
        app.config.update(mail_config(server.port))
        yield server.inbox


@pytest.fixture
def no_smtp(app):
    """Point the app at a port nothing listens on."""
    app.config.update(mail_config(free_port()))
