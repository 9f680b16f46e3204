"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), recording what it accepts.

    with SmtpServer() as server:          # or the ``smtp_server`` fixture
        server.refuse_data("451 4.3.0 Try again later", times=2)   # the next 2 messages
        server.reject_recipient("lee@police.example", "550 5.1.1 <lee@police.example>: no such user")
        ... send to ("127.0.0.1", server.port) ...
        server.messages                    # accepted, in order: [Received(...)]
        server.count_by_message_id()       # Counter of Message-IDs: a resend shows as 2

``SmtpServer(port=free_port())`` without ``start()`` is a server that is down (connection
refused) until it is started on that port.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


class RecordingHandler:
    """Accepts every message unless told to refuse: the next N DATA commands, or a recipient."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[Received] = []
        self.data_replies: list[str] = []  # replies to the next DATA commands, instead of 250
        self.rejected: dict[str, str] = {}  # recipient address → reply to its RCPT
        self.attempts = 0  # DATA commands seen, accepted or not

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        with self.lock:
            reply = self.rejected.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.attempts += 1
            if self.data_replies:
                return self.data_replies.pop(0)
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), message))
        return "250 OK: queued"


class SmtpServer:
    """``controller_options`` go to aiosmtpd's Controller (e.g. an ``authenticator``)."""

    def __init__(self, port: int | None = None, **controller_options: Any) -> None:
        self.port = port or free_port()
        self.handler = RecordingHandler()
        self.options = controller_options
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        if self._controller is None:
            self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                          **self.options)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ----------------------------------------------------------------------

    def refuse_data(self, reply: str, times: int = 1) -> None:
        with self.handler.lock:
            self.handler.data_replies.extend([reply] * times)

    def reject_recipient(self, address: str, reply: str) -> None:
        with self.handler.lock:
            self.handler.rejected[address.lower()] = reply

    # -- what arrived ---------------------------------------------------------------------

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    @property
    def attempts(self) -> int:
        with self.handler.lock:
            return self.handler.attempts

    def count_by_message_id(self) -> Counter[str]:
        return Counter(m.message_id for m in self.messages)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server on a free port of 127.0.0.1, stopped after the test."""
    with SmtpServer() as server:
        yield server
