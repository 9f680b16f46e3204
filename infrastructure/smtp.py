"""Sending reminder emails: through an SMTP server, or into a mail-drop directory.

processes/common.md, "Reminders and escalation": delivery happens after the fact is recorded and
is retried on failure. A failure is classified so the caller knows whether to retry:

- ``TransientDeliveryError``: try again later (connection refused or reset, timeouts, the server
  hanging up, any 4xx reply, and authentication or sender refusals, which are our own
  configuration to fix rather than the recipient's fault);
- ``PermanentDeliveryError``: do not try again (a 5xx reply, every recipient refused with 5xx).

``ServerUnavailable`` is the transient kind that is about the server, not the message: it cannot
be reached (refused, timed out, unknown host, the connection dropped), will not talk to us (TLS,
login or sender refused, 421 "service not available"), or the mail drop cannot be written. Every
other message would meet the same failure, so a delivery run sends nothing more to it.

The error's ``reason`` is short and never contains an email address (``sanitise``): it is stored
in the delivery table and shown by ``reminders status``.
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from infrastructure.settings import SmtpSettings

ADDRESS = re.compile(r"<?[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+>?")
QUOTED_ADDRESS = re.compile(r'<?"[^"]*"@\S*')
ANY_AT = re.compile(r"\S*@\S*")
MAX_REASON = 200
SERVICE_NOT_AVAILABLE = 421  # RFC 5321: the server is closing the session, whatever the message


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message over for delivery, or raise a ``DeliveryError``."""


class DeliveryError(Exception):
    """A message was not handed over: ``code`` is the SMTP reply code, if there was one."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        self.code = code
        self.reason = sanitise(reason)
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        return f"{self.code} {self.reason}" if self.code else self.reason


class TransientDeliveryError(DeliveryError):
    """Worth trying again later."""


class PermanentDeliveryError(DeliveryError):
    """Trying again will not help."""


class ServerUnavailable(TransientDeliveryError):
    """The mail server (or the mail drop) cannot take any message now: stop sending this run."""


def sanitise(text: str) -> str:
    """One short line with every email address replaced, safe to store and display."""
    line = " ".join(text.split())
    line = ADDRESS.sub("[address]", line)
    line = QUOTED_ADDRESS.sub("[address]", line)
    line = ANY_AT.sub("[address]", line)  # whatever is left with an @ in it
    return line if len(line) <= MAX_REASON else line[:MAX_REASON - 1] + "…"


def _reply_error(code: int, reply: bytes | str, what: str) -> DeliveryError:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    kind = TransientDeliveryError if 400 <= code < 500 else PermanentDeliveryError
    return kind(f"{what}: {text}" if what else text, code)


class SmtpMailer:
    """Sends through an SMTP server (STARTTLS and login when configured), one connection per
    message: a reminder run sends few, and a fresh connection makes each failure independent."""

    def __init__(self, settings: SmtpSettings) -> None:
        if not settings.host:
            raise ValueError("SmtpMailer needs CASELEDGER_SMTP_HOST")
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        try:
            with smtplib.SMTP(s.host or "", s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password or "")
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            reply = next(iter(error.recipients.values()), (550, b""))[1]
            if any(400 <= code < 500 for code in codes):
                raise TransientDeliveryError(f"recipient refused: {_text(reply)}", min(codes)) from None
            raise PermanentDeliveryError(f"recipient refused: {_text(reply)}", max(codes)) from None
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as error:
            what = "login refused" if isinstance(error, smtplib.SMTPAuthenticationError) else "sender refused"
            raise ServerUnavailable(f"{what} (check the SMTP settings): {_text(error.smtp_error)}",
                                    error.smtp_code) from None
        except (smtplib.SMTPConnectError, smtplib.SMTPHeloError) as error:
            raise ServerUnavailable(f"the mail server would not start a session: "
                                    f"{_text(error.smtp_error)}", error.smtp_code) from None
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == SERVICE_NOT_AVAILABLE:
                raise ServerUnavailable(_text(error.smtp_error), error.smtp_code) from None
            raise _reply_error(error.smtp_code, error.smtp_error, "") from None
        except smtplib.SMTPServerDisconnected as error:
            if isinstance(error.__context__, TimeoutError):  # smtplib reports a read timeout so
                raise ServerUnavailable(_timed_out(s.timeout)) from None
            raise ServerUnavailable("the mail server closed the connection") from None
        except TimeoutError:
            raise ServerUnavailable(_timed_out(s.timeout)) from None
        except ConnectionRefusedError:
            raise ServerUnavailable(f"connection refused by the mail server (port {s.port})") from None
        except socket.gaierror:
            raise ServerUnavailable(f"the mail server's name {s.host!r} cannot be resolved") from None
        except ssl.SSLError as error:
            raise ServerUnavailable(f"TLS failed: {type(error).__name__}") from None
        except OSError as error:
            raise ServerUnavailable(f"cannot reach the mail server: {type(error).__name__}") from None
        except smtplib.SMTPException as error:
            raise TransientDeliveryError(f"the mail server failed: {type(error).__name__}") from None
        if refused:  # some recipients accepted, some not: we send one recipient per message
            code, reply = next(iter(refused.values()))
            raise _reply_error(code, reply, "recipient refused")


def _timed_out(seconds: float) -> str:
    return f"timed out talking to the mail server after {seconds:g}s"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class MailDropMailer:
    """Writes each message to ``DIRECTORY/<message id>.eml`` (the demo, and a way to inspect
    mail without a server). A resend of the same message overwrites its file."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def send(self, message: EmailMessage) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"{file_name(message)}.eml"
            fd, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(bytes(message))
            os.replace(temporary, path)
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise ServerUnavailable(f"cannot write to the mail drop: {reason}") from None


def file_name(message: EmailMessage) -> str:
    """A safe file name from the Message-ID (which names no person)."""
    message_id = str(message.get("Message-ID", "")).strip("<> ")
    left = message_id.split("@", 1)[0]
    return re.sub(r"[^A-Za-z0-9._-]", "_", left) or "message"


def mailer_for(settings: SmtpSettings) -> Mailer | None:
    """The mail drop when CASELEDGER_MAIL_DROP is set (it is used *instead* of a server), else
    the SMTP server when CASELEDGER_SMTP_HOST is set, else None: reminders wait, undelivered."""
    if settings.mail_drop is not None:
        return MailDropMailer(settings.mail_drop)
    if settings.host:
        return SmtpMailer(settings)
    return None
