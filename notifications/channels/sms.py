"""Text messages: a small backend interface, a file backend for the demo and an in-memory
one for tests. To plug a real provider, write a class with the same ``send`` method (most
providers take an HTTPS POST with the number and the text) and name it in
``ENTRAIDE_SMS_BACKEND``; see docs/notifications.md.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsTemporaryError(Exception):
    """The provider could not take the message now; try again later."""


class SmsPermanentError(Exception):
    """The provider refused the message for good (an invalid number...)."""


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str, reference: str) -> str:
        """Hand one message to the provider and return its id for this message."""


class FileSmsBackend:
    """Writes each message as a file in ``var/sms/`` (the demo's outbox)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(settings.VAR_DIR) / "sms"

    def send(self, *, to: str, body: str, reference: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        message_id = f"file-{uuid.uuid4().hex}"
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        path = self.directory / f"{stamp}-{reference}.txt"
        path.write_text(f"To: {to}\nReference: {reference}\nId: {message_id}\n\n{body}\n")
        return message_id


class MemorySmsBackend:
    """Keeps messages in ``MemorySmsBackend.outbox``, like Django's locmem e-mail backend."""

    outbox: ClassVar[list[dict[str, str]]] = []

    def send(self, *, to: str, body: str, reference: str) -> str:
        message_id = f"memory-{len(self.outbox) + 1}"
        self.outbox.append({"to": to, "body": body, "reference": reference, "id": message_id})
        return message_id


def sms_enabled() -> bool:
    return bool(settings.ENTRAIDE_SMS_BACKEND)


def get_sms_backend() -> SmsBackend:
    backend_class = import_string(settings.ENTRAIDE_SMS_BACKEND)
    return backend_class()
