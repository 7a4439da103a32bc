"""Invitations to join an organisation. Organisations and memberships live in ``accounts``."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_phone

INVITATION_VALIDITY = timedelta(days=14)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def default_expiry() -> datetime:
    return timezone.now() + INVITATION_VALIDITY


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An admin asks someone, by e-mail, to join their organisation.

    The token in the link is the proof of the address: it is long, random, single-use and
    expires after two weeks.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=10, choices=[("admin", _("Administrator")), ("member", _("Member"))]
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("sent on"), auto_now_add=True)
    expires_at = models.DateTimeField(_("valid until"), default=default_expiry)
    accepted_at = models.DateTimeField(_("accepted on"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class PublicListing(models.Model):
    """What a verified organisation shows on the public "Find help" page, if it opts in.

    Only what its admins typed here appears there: a public phone, e-mail, address and
    hours of the organisation itself, never the private contact that the other side of a
    match sees, and never a member's own e-mail or phone (``listing_update`` refuses them).
    """

    class Help(models.TextChoices):
        HOUSING = "housing", _("A place to sleep")
        FOOD = "food", _("Food")
        CLOTHES = "clothes", _("Clothes and everyday goods")
        RIGHTS = "rights", _("Rights and paperwork")
        HEALTH = "health", _("Health")
        FRENCH = "french", _("French lessons")
        INTERPRETING = "interpreting", _("Interpreting")
        CHILDREN = "children", _("Children and school")
        LISTENING = "listening", _("Someone to talk to")

    organisation = models.OneToOneField(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="public_listing",
    )
    listed = models.BooleanField(_("shown on the Find help page"), default=False)
    help_kinds = models.JSONField(_("kinds of help"), default=list, blank=True)
    sectors = models.ManyToManyField(
        "core.Sector", verbose_name=_("districts where people can come"), blank=True
    )
    summary = models.CharField(_("in one sentence"), max_length=300, blank=True)
    phone = models.CharField(
        _("public phone"), max_length=32, blank=True, validators=[validate_phone]
    )
    email = models.EmailField(_("public e-mail"), blank=True)
    address = models.CharField(_("where to come"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    website = models.URLField(_("website"), blank=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("public listing")
        verbose_name_plural = _("public listings")

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def help_labels(self) -> list[str]:
        labels = dict(self.Help.choices)
        return [str(labels[code]) for code in self.help_kinds if code in labels]

    @property
    def language_labels(self) -> list[str]:
        from core.vocabulary import SPOKEN_LANGUAGES

        labels = dict(SPOKEN_LANGUAGES)
        return [str(labels[code]) for code in self.languages if code in labels]
