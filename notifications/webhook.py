"""Reading a provider's delivery report safely: signed, fresh, and heard once.

The provider signs ``<timestamp>.<body>`` with the shared secret (HMAC-SHA256) and sends
``X-Entraide-Timestamp`` (Unix seconds) and ``X-Entraide-Signature: sha256=<hex>``. A
report is refused when its signature is wrong, when its timestamp is further than
``ENTRAIDE_EMAIL_WEBHOOK_WINDOW`` seconds from now (an old report replayed later), or when
the same signed report was already received within that window (a replay now). The
signatures heard are kept in the cache, which every web process shares.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

from core.rest.parsers import load_json

EVENTS = frozenset({"delivered", "bounced"})


class WebhookRefused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class DeliveryReport:
    message_id: str
    event: str


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def read_report(
    *, body: bytes, timestamp: str, signed: str, now: float | None = None
) -> DeliveryReport:
    """The report, or ``WebhookRefused`` with the status and reason to answer."""
    secret = settings.ENTRAIDE_EMAIL_WEBHOOK_SECRET
    if not secret:
        raise WebhookRefused(404, "Webhook not configured.")
    if not hmac.compare_digest(signature(secret, timestamp, body), signed):
        raise WebhookRefused(403, "Bad signature.")
    window = settings.ENTRAIDE_EMAIL_WEBHOOK_WINDOW
    now = time.time() if now is None else now
    if not timestamp.isascii() or not timestamp.isdigit() or abs(now - int(timestamp)) > window:
        raise WebhookRefused(403, "The report is too old or from the future: refused.")
    if not cache.add(f"notifications:webhook:{signed}", 1, timeout=2 * window):
        raise WebhookRefused(409, "This report was already received.")
    return _parsed(body)


def _parsed(body: bytes) -> DeliveryReport:
    try:
        payload: Any = load_json(body)
        message_id, event = payload["message_id"], payload["event"]
    except (ValueError, OverflowError, KeyError, TypeError):
        raise WebhookRefused(400, "Expected message_id and event.") from None
    if not isinstance(message_id, str) or not message_id or len(message_id) > 255:
        raise WebhookRefused(400, "message_id must be a text of 1 to 255 characters.")
    if event not in EVENTS:
        raise WebhookRefused(400, "event must be delivered or bounced.")
    return DeliveryReport(message_id=message_id, event=event)
