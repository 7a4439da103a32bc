from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

dotted_action_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$",
    _("An action name is dotted lower-case words, like offers.offer.published."),
)


class Sector(models.Model):
    """A district of the city. Everything geographic refers to a sector, never to a point
    that could locate a person; the centroid is the district's, for distances."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    centroid_latitude = models.DecimalField(
        _("centroid latitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    centroid_longitude = models.DecimalField(
        _("centroid longitude"),
        max_digits=8,
        decimal_places=5,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> NoReturn:
        raise PermissionError("The audit log is append-only.")

    def expire(self, *, before: Any, keep_actions: tuple[str, ...] = ()) -> int:
        """The one deletion the log allows: entries written before ``before`` (their
        retention period is over, docs/privacy.md), except the actions in ``keep_actions``.
        Returns how many were deleted."""
        rows = self.filter(created_at__lt=before).exclude(action__in=keep_actions)
        return models.QuerySet.delete(rows)[0]

    def count_expiring(self, *, before: Any, keep_actions: tuple[str, ...] = ()) -> int:
        return self.filter(created_at__lt=before).exclude(action__in=keep_actions).count()


class AuditEntry(models.Model):
    """One line of the append-only audit trail: who did what to which object.

    Entries are written by ``core.audit.audit`` and never changed. The actor's id is kept
    apart from the foreign key so that the trail survives the erasure of an account
    without keeping anything that names the person.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_ref = models.PositiveBigIntegerField(_("actor id"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=100, validators=[dotted_action_validator])
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The audit log is append-only.")


class CategoryQuerySet(models.QuerySet["Category"]):
    def active(self) -> CategoryQuerySet:
        return self.filter(active=True)

    def of_kind(self, kind: str) -> CategoryQuerySet:
        return self.filter(kind=kind)


class Category(models.Model):
    """One entry of the configurable tree of goods and skills (docs/design.md §2), shared by
    offers and needs so that both speak of the same things. Coordinators edit it in the
    admin; the labels are kept in each site language because they are data, not code."""

    kind = models.CharField(
        _("kind of help"),
        max_length=20,
        choices=[
            ("donation", _("Goods")),
            ("skill", _("Time and skills")),
        ],
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name in French"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    name_ar = models.CharField(_("name in Arabic"), max_length=120, blank=True)
    name_uk = models.CharField(_("name in Ukrainian"), max_length=120, blank=True)
    asks_size = models.BooleanField(
        _("asks for sizes"), default=False, help_text=_("Clothing and shoes.")
    )
    asks_best_before = models.BooleanField(
        _("asks for a best-before date"), default=False, help_text=_("Food.")
    )
    position = models.PositiveSmallIntegerField(_("position in lists"), default=0)
    active = models.BooleanField(_("offered in forms"), default=True)

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language, French when that one is not filled in."""
        return self.label_and_language[0]

    @property
    def label_and_language(self) -> tuple[str, str]:
        """(name, language of that name): pages mark a French fallback as French."""
        from django.utils.translation import get_language

        language = (get_language() or "fr").split("-")[0]
        translated = getattr(self, f"name_{language}", "") if language != "fr" else ""
        return (translated, language) if translated else (self.name, "fr")


class Claim(models.Model):
    """An agent working an item of a staff queue (an offer to vet, an organisation to
    verify, a need to place, an alert): others see who holds it and since when.

    One row per item at most (a unique constraint: two agents cannot both hold it); a
    claim older than ``ENTRAIDE_CLAIM_MINUTES`` has lapsed and the next agent takes it over.
    Written by ``core.claims`` only.
    """

    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("held by"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    claimed_at = models.DateTimeField(_("held since"))

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.UniqueConstraint(fields=["target_type", "target_id"], name="one_claim_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.target_type_id}:{self.target_id} by {self.holder_id}"
