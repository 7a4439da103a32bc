"""Handing e-mails to the provider so that a worker crash never sends one twice.

With an SMTP server, the end of the DATA section (a line with a single dot) is the point
where the server takes responsibility for the message; a connection that drops before it
leaves nothing behind. So delivery happens in two steps (:class:`TwoPhaseSMTP`):

1. ``prepare`` writes the whole message but that dot, while the delivery code holds the
   notification's row lock; the delivery code then commits the row as ``sending`` with
   its hand-over time;
2. ``finish`` writes the dot and reads the server's verdict.

A crash before the commit leaves the row ``queued`` and nothing delivered: it is sent
later, once. A crash after it leaves the row ``sending`` with a hand-over time: the sweep
records it as sent and never sends it again. Only a crash in the microseconds between the
commit and the dot loses the message.

Any other Django e-mail backend (a provider's HTTP API, the demo's file backend...) has
no such point: ``prepare`` sends the message at once, before the commit, so a crash just
after can send it twice but never loses it.
"""

from __future__ import annotations

import re
import smtplib
import socket
from typing import Protocol

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


class PreparedEmail(Protocol):
    def finish(self) -> None:
        """Complete the hand-over; raises EmailTemporaryError or EmailPermanentError."""

    def abort(self) -> None:
        """Give the message up before ``finish``: the provider must not deliver it."""


class _PendingDot:
    def __init__(self, sender: TwoPhaseSMTP, connection: smtplib.SMTP) -> None:
        self.sender = sender
        self.connection = connection

    def finish(self) -> None:
        try:
            self.connection.send(b".\r\n")
            code, reply = self.connection.getreply()
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
        except (smtplib.SMTPException, OSError) as error:
            self.sender.drop()
            raise _classify(error) from error

    def abort(self) -> None:
        # Dropping the connection in the middle of DATA makes the server discard it.
        self.sender.drop()


class _AlreadySent:
    def finish(self) -> None:
        pass

    def abort(self) -> None:
        pass


class TwoPhaseSMTP:
    """Sends through Django's SMTP backend settings (host, port, TLS, login), keeping the
    connection open between the messages of one worker process."""

    def __init__(self, backend: SMTPBackend) -> None:
        self.backend = backend

    def prepare(self, message: EmailMessage) -> PreparedEmail:
        try:
            try:
                return self._write_all_but_the_dot(message)
            except smtplib.SMTPServerDisconnected:
                # The kept connection timed out since the last message: once more, fresh.
                self.drop()
                return self._write_all_but_the_dot(message)
        except (smtplib.SMTPException, OSError) as error:
            self.drop()
            raise _classify(error) from error

    def _connection(self) -> smtplib.SMTP:
        if self.backend.connection is None:
            self.backend.open()
            sock = self.backend.connection.sock if self.backend.connection else None
            if sock is not None:
                # The dot is a tiny write right after the body: without this, Nagle's
                # algorithm holds it until the server acknowledges the body (up to 40 ms).
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.backend.connection is None:
            raise smtplib.SMTPServerDisconnected("Could not connect to the SMTP server.")
        return self.backend.connection

    def _write_all_but_the_dot(self, message: EmailMessage) -> PreparedEmail:
        connection = self._connection()
        encoding = message.encoding or "utf-8"
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in message.recipients()]
        connection.ehlo_or_helo_if_needed()
        code, reply = connection.mail(sender)
        if code != 250:
            connection.rset()
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        refused = {}
        for recipient in recipients:
            code, reply = connection.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, reply)
        if refused:
            connection.rset()
            raise smtplib.SMTPRecipientsRefused(refused)
        connection.putcmd("data")
        code, reply = connection.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
        body = _LEADING_DOT.sub(b"..", body)
        connection.send(body if body.endswith(b"\r\n") else body + b"\r\n")
        return _PendingDot(self, connection)

    def drop(self) -> None:
        connection = self.backend.connection
        self.backend.connection = None
        if connection is not None:
            connection.close()


class DirectSend:
    """Any other backend: the message leaves in ``prepare`` (at least once)."""

    def __init__(self, backend: object) -> None:
        self.backend = backend

    def prepare(self, message: EmailMessage) -> PreparedEmail:
        message.connection = self.backend  # type: ignore[assignment]
        try:
            message.send()
        except (smtplib.SMTPException, OSError) as error:
            raise _classify(error) from error
        return _AlreadySent()


_sender: TwoPhaseSMTP | DirectSend | None = None


def email_sender() -> TwoPhaseSMTP | DirectSend:
    """One sender per worker process, so that one SMTP connection serves many messages."""
    global _sender
    if _sender is None:
        backend = get_connection()
        _sender = TwoPhaseSMTP(backend) if isinstance(backend, SMTPBackend) else DirectSend(backend)
    return _sender


def reset_email_sender() -> None:
    """Forget the cached sender (after the e-mail settings change, in tests)."""
    global _sender
    if isinstance(_sender, TwoPhaseSMTP):
        _sender.drop()
    _sender = None
