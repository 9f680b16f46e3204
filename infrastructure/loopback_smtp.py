"""A loopback SMTP server that files every message it accepts into a folder (the demo's mail drop).

``caseledger demo`` starts it on 127.0.0.1, sends its reminders through the real SMTP path
(``SmtpMailer``), then stops it: what a partnership's mail server would have received is left as
one ``.eml`` file per message. Not for production: it relays nothing.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Filing:
    """aiosmtpd handler: each accepted message becomes ``NNN.eml``, numbered in arrival order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.count += 1
            path = self.folder / f"{self.count:03d}.eml"
        path.write_bytes(envelope.original_content or b"")  # the bytes as received
        return "250 Message accepted for delivery"


class LoopbackMailDrop:
    """``with LoopbackMailDrop(folder) as drop:`` … send to ``("127.0.0.1", drop.port)``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.handler = _Filing(folder)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> LoopbackMailDrop:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.controller.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.controller.stop()

    @property
    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.eml"))
