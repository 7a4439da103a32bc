"""The notification types the platform knows, declared by the apps that send them.

The notifications app imports no domain app: a domain declares each of its messages here
once (its name, channels, audience, templates, whether people may opt out), then calls
``notify(type="offers.offer_published", ...)``. Templates live under
``<app>/templates/notifications/messages/<name>/``: ``subject.txt``, ``body.txt``,
``body.html`` (optional), ``sms.txt`` (if the type uses SMS) and ``inapp.txt`` (the line
shown in the notification centre). They receive the notification's ``context`` plus
``recipient_name``, ``site_url`` and ``action_url``; they must carry links, never an
address, phone number or anything about the situation of a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    IN_APP = "in_app", _("In the app")
    SMS = "sms", _("Text message (SMS)")


class Audience(models.TextChoices):
    RESIDENTS = "residents", _("Residents")
    ASSOCIATIONS = "associations", _("Associations")
    STAFF = "staff", _("City staff")
    EVERYONE = "everyone", _("Everyone")


_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class NotificationType:
    name: str
    label: str | Promise
    channels: tuple[Channel, ...]
    audience: Audience
    optional: bool = False
    """Optional messages can be turned off and carry a one-click unsubscribe link;
    the others (a proposal, a decision on your offer) are always sent."""
    explicit_opt_in: bool = False
    """Sent only to people who asked for it (urgent calls), whatever their e-mail choice."""
    example_context: Mapping[str, Any] = field(default_factory=dict)
    """A context that renders the templates, for previews and tests."""

    @property
    def template_dir(self) -> str:
        return f"notifications/messages/{self.name}"


class Registry:
    def __init__(self) -> None:
        self._types: dict[str, NotificationType] = {}

    def register(self, notification_type: NotificationType) -> NotificationType:
        if not _NAME.match(notification_type.name):
            raise ValueError(f"{notification_type.name!r} must be 'app.message_name'.")
        if notification_type.name in self._types:
            raise ValueError(f"{notification_type.name!r} is declared twice.")
        if not notification_type.channels:
            raise ValueError(f"{notification_type.name!r} needs at least one channel.")
        self._types[notification_type.name] = notification_type
        return notification_type

    def get(self, name: str) -> NotificationType:
        try:
            return self._types[name]
        except KeyError:
            raise LookupError(f"No notification type named {name!r} is declared.") from None

    def __iter__(self) -> Iterator[NotificationType]:
        return iter(sorted(self._types.values(), key=lambda t: t.name))

    def __contains__(self, name: object) -> bool:
        return name in self._types


registry = Registry()
register = registry.register
