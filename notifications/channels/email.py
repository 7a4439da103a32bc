"""Handing e-mails to the provider so that a worker crash never sends one twice.

With an SMTP server, the end of the DATA section (a line with a single dot) is the point
where the server takes responsibility for the message; a connection that drops before it
leaves nothing behind. So we write the whole message, record in our database that it is
being handed over, and only then write that final dot (:class:`TwoPhaseSMTP`):

- a crash before that record leaves the row in ``sending`` without a hand-over time and
  nothing delivered: the sweep queues it again and it is sent once;
- a crash after it leaves the row with a hand-over time: the sweep records it as sent and
  never sends it again. Only a crash in the microseconds between our record and the dot
  loses the message.

Any other Django e-mail backend (a provider's HTTP API, the demo's file backend...) has
no such point: there we send first and record "sent" right after, so a crash in between
can send twice but never loses a message.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

_LEADING_DOT = re.compile(rb"(?m)^\.")


class EmailTemporaryError(Exception):
    pass


class EmailPermanentError(Exception):
    pass


def _classify(error: Exception) -> Exception:
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [reply[0] for reply in error.recipients.values()]
        code = max(codes) if codes else None
    if isinstance(code, int) and 500 <= code < 600:
        return EmailPermanentError(f"{code} {getattr(error, 'smtp_error', b'')!r}")
    return EmailTemporaryError(f"{type(error).__name__}: {error}"[:400])


@dataclass
class _Prepared:
    connection: smtplib.SMTP

    def finish(self) -> None:
        """Write the end-of-data dot and read the server's verdict."""
        self.connection.send(b".\r\n")
        code, reply = self.connection.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)


class TwoPhaseSMTP:
    """Sends through Django's SMTP backend settings (host, port, TLS, login), keeping the
    connection open between messages of the same worker process."""

    def __init__(self, backend: SMTPBackend) -> None:
        self.backend = backend

    def send(self, message: EmailMessage, *, before_handover: Callable[[], None]) -> None:
        """Send ``message``. ``before_handover`` records the hand-over; it may raise to
        abandon the message, which the server then never delivers."""
        try:
            prepared = self._prepare(message)
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise _classify(error) from error
        try:
            before_handover()
        except BaseException:
            # Dropping the connection mid-DATA makes the server discard the message.
            self._drop()
            raise
        try:
            prepared.finish()
        except (smtplib.SMTPException, OSError) as error:
            self._drop()
            raise _classify(error) from error

    def _prepare(self, message: EmailMessage) -> _Prepared:
        if not self.backend.connection:
            self.backend.open()
        connection = self.backend.connection
        assert connection is not None
        try:
            connection.rset()
        except smtplib.SMTPServerDisconnected:
            self.backend.close()
            self.backend.open()
            connection = self.backend.connection
            assert connection is not None
        encoding = message.encoding or "utf-8"
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in message.recipients()]
        connection.ehlo_or_helo_if_needed()
        code, reply = connection.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        refused = {}
        for recipient in recipients:
            code, reply = connection.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, reply)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
        connection.putcmd("data")
        code, reply = connection.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = _LEADING_DOT.sub(b"..", message.message().as_bytes(linesep="\r\n"))  # type: ignore[call-arg]
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        connection.send(body)
        return _Prepared(connection)

    def _drop(self) -> None:
        connection = self.backend.connection
        self.backend.connection = None
        if connection is not None:
            connection.close()


class DirectSend:
    """Any other backend: no hand-over point, the caller records "sent" afterwards."""

    def __init__(self, backend: object) -> None:
        self.backend = backend

    def send(self, message: EmailMessage, *, before_handover: Callable[[], None]) -> None:
        message.connection = self.backend  # type: ignore[assignment]
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as error:
            raise _classify(error) from error


_sender: TwoPhaseSMTP | DirectSend | None = None


def email_sender() -> TwoPhaseSMTP | DirectSend:
    """One sender per worker process, so an SMTP connection serves many messages."""
    global _sender
    if _sender is None:
        backend = get_connection()
        _sender = TwoPhaseSMTP(backend) if isinstance(backend, SMTPBackend) else DirectSend(backend)
    return _sender


def reset_email_sender() -> None:
    """Forget the cached sender (after the e-mail settings change, in tests)."""
    global _sender
    if isinstance(_sender, TwoPhaseSMTP):
        _sender.backend.close()
    _sender = None
