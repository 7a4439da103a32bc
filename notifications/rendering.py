"""Turning a notification row into the words its recipient reads, in their language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe

from notifications.models import Notification
from notifications.registry import NotificationType, registry

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None
    sms: str | None
    inapp: str
    action_url: str
    unsubscribe_url: str | None
    # For the notification centre: the same page on the address being browsed (a path),
    # so that a demo started on another port, or a second host name, still links home.
    link: str = ""


def unsubscribe_token(*, user_id: int, type_name: str) -> str:
    return signing.dumps({"u": user_id, "t": type_name}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """Raises ``signing.BadSignature`` for a forged or damaged link."""
    data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    return int(data["u"]), str(data["t"])


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.ENTRAIDE_BASE_URL}{path}"


def render_type(
    spec: NotificationType,
    *,
    context: dict[str, Any],
    language: str,
    recipient_name: str = "",
    unsubscribe_url: str | None = None,
) -> Rendered:
    action_url = absolute(str(context.get("url", "/")))
    full = {
        **context,
        "recipient_name": recipient_name,
        "site_url": settings.ENTRAIDE_BASE_URL,
        "city_name": settings.ENTRAIDE_CITY_NAME,
        "action_url": action_url,
        "unsubscribe_url": unsubscribe_url,
    }
    with translation.override(language):

        def part(name: str, *, required: bool = True) -> str | None:
            try:
                return render_to_string(f"{spec.template_dir}/{name}", full).strip()
            except TemplateDoesNotExist:
                if required:
                    raise
                return None

        subject = " ".join((part("subject.txt") or "").split())
        text = part("body.txt") or ""
        body_html = part("body.html", required=False)
        html = (
            render_to_string(
                "notifications/email/layout.html",
                # The body is a rendered template, escaped already; strip() lost the mark.
                {**full, "subject": subject, "body": mark_safe(body_html), "language": language},  # noqa: S308
            )
            if body_html
            else None
        )
        sms = part("sms.txt", required=False)
        inapp = " ".join((part("inapp.txt") or subject).split())
    path = str(context.get("url", "/"))
    link = path if path.startswith("/") and not path.startswith("//") else action_url
    return Rendered(subject, text, html, sms, inapp, action_url, unsubscribe_url, link)


def render(notification: Notification) -> Rendered:
    spec = registry.get(notification.type)
    unsubscribe_url = None
    recipient = notification.recipient
    if spec.optional and recipient is not None:
        token = unsubscribe_token(user_id=recipient.pk, type_name=spec.name)
        unsubscribe_url = absolute(reverse("notifications:unsubscribe", args=[token]))
    return render_type(
        spec,
        context=notification.context,
        language=notification.language,
        recipient_name=recipient.get_short_name() if recipient is not None else "",
        unsubscribe_url=unsubscribe_url,
    )
