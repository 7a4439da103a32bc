"""Needs that associations (or city staff) declare for the people they support.

A need describes a situation in counts and kinds, never a person: no name, nationality,
status or document (docs/design.md §5; ``tests/test_data_minimisation.py``). The columns the
matching engine filters on are plain indexed columns.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.lifecycle import TransitionLog
from core.staff_filters import urgency_rank
from core.vocabulary import SPOKEN_LANGUAGES, HelpKind, HouseholdType

NOTE_WARNING = _(
    "Describe the need, not the person: no name, phone number, e-mail, date of birth, "
    "nationality, status or document number. City staff remove what should not be here."
)


# The keys of the staff's lists of needs (``needs.selectors``), indexed in Meta.indexes.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def need_waiting_since() -> Coalesce:
    return Coalesce("opened_at", "created_at")


def need_attention_first() -> models.Case:
    # Households to place again after a stay ended come first.
    return models.Case(
        models.When(attention_since__isnull=False, then=models.Value(0)),
        default=models.Value(1),
    )


def need_attention_order() -> Coalesce:
    return Coalesce("attention_since", models.Value(EPOCH))


class NeedQuerySet(models.QuerySet["Need"]):
    def active(self) -> NeedQuerySet:
        """Open to offers: what the public page counts and matching looks at."""
        return self.filter(status__in=Need.ACTIVE)

    def of_organisations(self, organisation_ids: list[int]) -> NeedQuerySet:
        return self.filter(organisation_id__in=organisation_ids)

    def flagged(self) -> NeedQuerySet:
        return self.exclude(note_flags=[])


class Need(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        PARTLY_MATCHED = "partly_matched", _("Partly matched")
        MATCHED = "matched", _("Matched")
        FULFILLED = "fulfilled", _("Fulfilled")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    S = Status
    TRANSITIONS: dict[str, set[str]] = {
        S.DRAFT: {S.OPEN, S.CANCELLED},
        S.OPEN: {S.PARTLY_MATCHED, S.MATCHED, S.FULFILLED, S.CLOSED, S.CANCELLED, S.EXPIRED},
        S.PARTLY_MATCHED: {S.OPEN, S.MATCHED, S.FULFILLED, S.CLOSED, S.CANCELLED, S.EXPIRED},
        S.MATCHED: {S.PARTLY_MATCHED, S.OPEN, S.FULFILLED, S.CLOSED, S.CANCELLED},
        # A need marked fulfilled when a stay ended can be opened again by its association
        # if the household turns out to still need it.
        S.FULFILLED: {S.CLOSED, S.OPEN},
        S.EXPIRED: {S.OPEN, S.CLOSED},
        S.CLOSED: set(),
        S.CANCELLED: set(),
    }
    ACTIVE = (S.OPEN, S.PARTLY_MATCHED)
    EDITABLE = (S.DRAFT, S.OPEN, S.PARTLY_MATCHED)

    class Urgency(models.TextChoices):
        CRITICAL = "critical", _("Critical: within 48 hours")
        HIGH = "high", _("High: this week")
        NORMAL = "normal", _("Normal")

    class Origin(models.TextChoices):
        ASSOCIATION = "association", _("Posted by the association")
        STAFF_FOR_ASSOCIATION = (
            "staff_for_association",
            _("Entered by city staff for an association"),
        )
        COUNTER = "counter", _("Entered by city staff at a counter")

    class Attention(models.TextChoices):
        """Why staff must look at a need again first (top of their queue)."""

        DIFFICULT = "difficult", _("The stay was reported difficult: place the household again")
        BROKE_DOWN = "broke_down", _("The stay broke down: place the household again")
        ENDED_EARLY = "ended_early", _("The stay ended early: place the household again")
        STILL_NEEDED = "still_needed", _("The stay ended and the household still needs help")

    class HousingType(models.TextChoices):
        ROOM = "room", _("A room in a shared home")
        DWELLING = "dwelling", _("A whole dwelling")
        EMERGENCY = "emergency", _("A few emergency nights")

    kind = models.CharField(_("kind of help"), max_length=20, choices=HelpKind.choices)
    category = models.ForeignKey(
        "core.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
        help_text=_("Empty for a need city staff met at a counter."),
    )
    origin = models.CharField(
        _("origin"), max_length=30, choices=Origin.choices, default=Origin.ASSOCIATION
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("state"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )

    # The household, in counts and a type only.
    adults = models.PositiveSmallIntegerField(
        _("adults"), default=1, validators=[MaxValueValidator(30)]
    )
    children = models.PositiveSmallIntegerField(
        _("children"), default=0, validators=[MaxValueValidator(30)]
    )
    household_size = models.PositiveSmallIntegerField(_("people"), default=1, editable=False)
    household_type = models.CharField(
        _("household"), max_length=20, choices=HouseholdType.choices, blank=True
    )
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    step_free_access = models.BooleanField(
        _("step-free access needed"), default=False, help_text=_("No stairs, or a lift.")
    )
    no_pets = models.BooleanField(
        _("no pets"),
        default=False,
        help_text=_("An allergy or a fear: never with a host who has pets at home."),
    )
    accessibility = models.CharField(
        _("other accessibility needs"),
        max_length=300,
        blank=True,
        help_text=_("For example: ground floor, wheelchair."),
    )

    # What is needed.
    housing_types = models.JSONField(_("housing that fits"), default=list, blank=True)
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    sizes = models.CharField(
        _("sizes"),
        max_length=200,
        blank=True,
        help_text=_("For clothing and shoes: 38, M, 4 years..."),
    )
    wanted_from = models.DateField(_("wanted from"), null=True, blank=True)
    wanted_until = models.DateField(_("wanted until"), null=True, blank=True)
    sectors = models.ManyToManyField(
        "core.Sector", verbose_name=_("preferred districts"), blank=True, related_name="needs"
    )
    max_distance_km = models.PositiveSmallIntegerField(
        _("maximum distance (km)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    note = models.TextField(_("note"), blank=True, max_length=2000, help_text=NOTE_WARNING)
    # The kinds of personal detail the note seems to hold (``core.pii``), never the text.
    note_flags = models.JSONField(
        _("personal details spotted in the note"), default=list, blank=True
    )
    internal_reference = models.CharField(
        _("your internal reference"),
        max_length=60,
        blank=True,
        help_text=_(
            "Your own file number, to find this need again: never a name. "
            "Only your organisation sees it."
        ),
    )

    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated on"), auto_now=True)
    opened_at = models.DateTimeField(_("published on"), null=True, blank=True)
    # Set when a match of this need ended and the household must be placed again: staff
    # see it first, with the reason, until a new match is confirmed.
    attention_reason = models.CharField(
        _("reopened because"),
        max_length=20,
        choices=Attention.choices,
        blank=True,
        # Rows loaded in bulk outside the ORM (imports, the benchmark's COPY) get it too.
        db_default="",
    )
    attention_since = models.DateTimeField(_("reopened on"), null=True, blank=True)
    # Its texts were emptied (docs/privacy.md): the household's counts, dates and state stay.
    anonymised_at = models.DateTimeField(_("anonymised on"), null=True, blank=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [
            models.Index(fields=["kind", "status", "urgency"], name="need_kind_status_urgency"),
            models.Index(fields=["wanted_from", "wanted_until"], name="need_wanted_dates"),
            models.Index(fields=["household_size"], name="need_household_size"),
            models.Index(fields=["household_type"], name="need_household_type"),
            models.Index(fields=["step_free_access"], name="need_step_free"),
            models.Index(fields=["organisation", "status"], name="need_organisation_status"),
            models.Index(fields=["status", "attention_since"], name="need_attention_queue"),
            # The staff's lists in their order (core.staff_filters.QUEUE_KEYS, and the
            # households to place first), read in order from the index a page at a time.
            models.Index(urgency_rank(), need_waiting_since(), F("id"), name="need_staff_order"),
            models.Index(
                need_attention_first(),
                need_attention_order(),
                urgency_rank(),
                need_waiting_since(),
                F("id"),
                condition=Q(status__in=["open", "partly_matched"]),
                name="need_to_place_order",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(wanted_until__isnull=True)
                | Q(wanted_from__isnull=True)
                | Q(wanted_until__gte=models.F("wanted_from")),
                name="need_wanted_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(origin="counter"),
                name="need_organisation_unless_counter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def language_labels(self) -> list[str]:
        labels = dict(SPOKEN_LANGUAGES)
        return [str(labels[code]) for code in self.languages if code in labels]

    def urgency_rank(self) -> int:
        return [self.Urgency.CRITICAL, self.Urgency.HIGH, self.Urgency.NORMAL].index(
            self.Urgency(self.urgency)
        )


class NeedTransition(TransitionLog):
    subject = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="transitions")

    class Meta(TransitionLog.Meta):
        verbose_name = _("need state change")
        verbose_name_plural = _("need state changes")
