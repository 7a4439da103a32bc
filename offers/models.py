"""What residents offer: housing, goods and time (docs/design.md §2).

One table for the three kinds, because matching filters them with the same indexed
columns (kind, status, sector, dates, capacity); the fields of the other kinds stay empty.
The rules that say which fields a kind needs are in ``Offer.clean`` and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Upper
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_phone
from core.dates import MAX_YEARS_AHEAD, too_far_ahead
from core.lifecycle import TransitionLog
from core.models import Category, Sector
from core.pii import contact_kinds
from core.staff_filters import CRITICAL, HIGH, NORMAL
from core.text import REASON_MAX_LENGTH
from core.vocabulary import SPOKEN_LANGUAGES, HelpKind, HouseholdType

WEEKDAYS = [
    ("mon", _("Monday")),
    ("tue", _("Tuesday")),
    ("wed", _("Wednesday")),
    ("thu", _("Thursday")),
    ("fri", _("Friday")),
    ("sat", _("Saturday")),
    ("sun", _("Sunday")),
]
DAY_PARTS = [("morning", _("morning")), ("afternoon", _("afternoon")), ("evening", _("evening"))]
# A weekly slot is "<day>-<part>", "mon-evening": few enough to tick on a phone.
WEEKLY_SLOTS = [
    (f"{day}-{part}", format_lazy("{}, {}", day_label, part_label))
    for day, day_label in WEEKDAYS
    for part, part_label in DAY_PARTS
]
_SLOT_CODES = {code for code, _label in WEEKLY_SLOTS}
_LANGUAGE_CODES = {code for code, _label in SPOKEN_LANGUAGES}
_HOUSEHOLD_CODES = set(HouseholdType.values)
MODERATION_MESSAGE_MAX_LENGTH = REASON_MAX_LENGTH


def normalise_phone(value: str) -> str:
    """Digits only, French numbers in their national form, so that duplicates are found
    whatever way the number was typed: "+33 6 12..." and "06.12..." are the same."""
    digits = re.sub(r"\D", "", value)
    if digits.startswith("0033"):
        digits = "0" + digits[4:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def offer_urgency_rank() -> models.Case:
    """How soon staff should look at an offer, as a rank (``core.staff_filters``): a few
    nights in an emergency are critical (someone sleeps outside tonight), other housing is
    high (beds are what a surge lacks), goods and skills normal."""
    return models.Case(
        models.When(housing_type="emergency", kind="housing", then=models.Value(CRITICAL)),
        models.When(kind="housing", then=models.Value(HIGH)),
        # No explicit output field: an integer is inferred, and an index on this
        # expression (Meta.indexes) compares equal to its migration's.
        default=models.Value(NORMAL),
    )


class OfferQuerySet(models.QuerySet["Offer"]):
    def published(self) -> OfferQuerySet:
        return self.filter(status=Offer.Status.PUBLISHED)

    def pending(self) -> OfferQuerySet:
        return self.filter(status=Offer.Status.PENDING)

    def owned_by(self, user: Any) -> OfferQuerySet:
        return self.filter(owner=user)

    def for_lists(self) -> OfferQuerySet:
        return self.select_related("sector", "category")


class Offer(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        PAUSED = "paused", _("Paused")
        CLOSED = "closed", _("Closed")
        REJECTED = "rejected", _("Not accepted")
        EXPIRED = "expired", _("Expired")

    # "Ask for more information" sends a pending offer back to draft with the question;
    # an expired offer comes back when its owner confirms it (it was vetted already).
    TRANSITIONS = {
        Status.DRAFT: {Status.PENDING, Status.CLOSED},
        Status.PENDING: {Status.PUBLISHED, Status.REJECTED, Status.DRAFT, Status.CLOSED},
        Status.PUBLISHED: {Status.PAUSED, Status.PENDING, Status.CLOSED, Status.EXPIRED},
        Status.PAUSED: {Status.PUBLISHED, Status.PENDING, Status.CLOSED, Status.EXPIRED},
        Status.REJECTED: {Status.PENDING, Status.CLOSED},
        Status.EXPIRED: {Status.PUBLISHED, Status.CLOSED},
        Status.CLOSED: set(),
    }
    EDITABLE = {Status.DRAFT, Status.PENDING, Status.PUBLISHED, Status.PAUSED, Status.REJECTED}

    class HousingType(models.TextChoices):
        ROOM = "room", _("A room in my home")
        DWELLING = "dwelling", _("A whole flat or house")
        EMERGENCY = "emergency", _("A few nights, in an emergency")

    class Condition(models.TextChoices):
        NEW = "new", _("New")
        GOOD = "good", _("Good condition")
        USED = "used", _("Used but working")

    class Origin(models.TextChoices):
        WEB = "web", _("Entered by the resident")
        PHONE = "phone", _("Taken by phone by city staff")

    kind = models.CharField(_("kind of help"), max_length=20, choices=HelpKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        # Never a cascade: erasing an account anonymises its offers first
        # (privacy.services.user_erase), so that matches and counts keep their history.
        on_delete=models.PROTECT,
        related_name="offers",
        help_text=_("Empty for an offer taken by phone until the caller takes it over."),
    )
    title = models.CharField(
        _("title"),
        max_length=120,
        help_text=_("A few words, for example “Room for one person near the station”."),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=2000,
        help_text=_(
            "What a coordinator should know. Do not write your address or phone number "
            "here: the city team already has them."
        ),
    )
    language = models.CharField(
        _("language of the text"),
        max_length=10,
        choices=settings.ENTRAIDE_FULL_LANGUAGES,
        default="fr",
    )
    sector = models.ForeignKey(
        Sector, verbose_name=_("district"), on_delete=models.PROTECT, related_name="offers"
    )
    # Private: shown to city staff only (audited), and to the other side of a confirmed match.
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)

    # Housing
    housing_type = models.CharField(
        _("type of housing"), max_length=20, choices=HousingType.choices, blank=True
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Beds for housing; people you can follow for a skill."),
    )
    households_at_once = models.PositiveSmallIntegerField(
        _("households at once"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Usually one. More only if each household has its own room."),
    )
    household_types = models.JSONField(_("who is welcome"), default=list, blank=True)
    available_from = models.DateField(
        _("available from"), null=True, blank=True, help_text=_("Leave empty if available now.")
    )
    available_until = models.DateField(
        _("available until"), null=True, blank=True, help_text=_("Leave empty if open-ended.")
    )
    min_stay_nights = models.PositiveSmallIntegerField(
        _("shortest stay (nights)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    max_stay_nights = models.PositiveSmallIntegerField(
        _("longest stay (nights)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    step_free_access = models.BooleanField(_("step-free access"), default=False)
    pets_at_home = models.BooleanField(_("pets at home"), default=False)
    contribution_per_month = models.DecimalField(
        _("contribution asked per month (euros)"),
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Leave empty if the housing is free."),
    )
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)

    # Goods and skills
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offers",
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    sizes = models.CharField(_("sizes"), max_length=120, blank=True)
    condition = models.CharField(
        _("condition"), max_length=10, choices=Condition.choices, blank=True
    )
    best_before = models.DateField(_("best before"), null=True, blank=True)
    pickup_hours = models.CharField(
        _("when it can be picked up"),
        max_length=200,
        blank=True,
        help_text=_("For example “weekday evenings after 6 pm”."),
    )
    language_pairs = models.CharField(
        _("language pairs"),
        max_length=200,
        blank=True,
        help_text=_("For interpreting, for example “Arabic ↔ French”."),
    )
    weekly_slots = models.JSONField(_("when you are available"), default=list, blank=True)
    remote_possible = models.BooleanField(_("possible remotely"), default=False)
    hours_per_month = models.PositiveSmallIntegerField(
        _("hours per month"), null=True, blank=True, validators=[MinValueValidator(1)]
    )

    # Moderation and intake
    moderation_message = models.TextField(
        _("message from the city team"),
        blank=True,
        max_length=MODERATION_MESSAGE_MAX_LENGTH,
        help_text=_("The reason for a refusal or the question asked, shown to the resident."),
    )
    origin = models.CharField(
        _("origin"), max_length=10, choices=Origin.choices, default=Origin.WEB
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The contact of a caller without an account (phone intake), until they take it over.
    caller_name = models.CharField(_("caller's name"), max_length=120, blank=True)
    caller_phone = models.CharField(
        _("caller's phone"), max_length=30, blank=True, validators=[validate_phone]
    )
    caller_email = models.EmailField(_("caller's e-mail"), blank=True)
    consent_recorded_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    last_confirmed_at = models.DateTimeField(
        _("availability last confirmed"), null=True, blank=True
    )
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # The kinds of personal detail its texts seem to hold (``core.pii``) that are not
    # refused outright: shown to staff at review, never the text itself.
    text_flags = models.JSONField(
        _("personal details spotted in the texts"), default=list, blank=True
    )
    # Its personal fields were emptied (docs/privacy.md): kind, district, dates and counts stay.
    anonymised_at = models.DateTimeField(_("anonymised on"), null=True, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        indexes = [
            models.Index(fields=["status", "kind", "sector"], name="offer_status_kind_sector"),
            # What changed since the snapshot of the offers was taken (matching/offer_index.py).
            models.Index(fields=["updated_at"], name="offer_updated"),
            models.Index(fields=["status", "submitted_at"], name="offer_moderation_queue"),
            models.Index(fields=["status", "last_confirmed_at"], name="offer_freshness"),
            models.Index(fields=["caller_phone"], name="offer_caller_phone"),
            models.Index(fields=["caller_email"], name="offer_caller_email"),
            # Possible duplicates by address (phone intake, spreadsheet imports).
            models.Index(Upper("street_address"), name="offer_street_address_upper"),
            # Figures by period: created in a period, by kind and state (reports).
            models.Index(fields=["created_at", "kind", "status"], name="offer_created_kind_status"),
            # The staff's lists in their order (core.staff_filters.QUEUE_KEYS): every offer,
            # and the pending ones, read in order from the index, a page at a time.
            models.Index(
                offer_urgency_rank(),
                Coalesce("submitted_at", "created_at"),
                F("id"),
                name="offer_staff_order",
            ),
            models.Index(
                offer_urgency_rank(),
                Coalesce("submitted_at", "created_at"),
                F("id"),
                condition=Q(status="pending"),
                name="offer_pending_order",
            ),
            # Offers taken by phone whose reminder went out: the staff's calls to make.
            models.Index(
                fields=["reminder_sent_at"],
                condition=Q(status="published", owner__isnull=True, reminder_sent_at__isnull=False),
                name="offer_call_back",
            ),
            # Beds offered now: the capacity of published offers, read from the index alone.
            models.Index(
                fields=["kind", "capacity"],
                condition=Q(status="published"),
                name="offer_published_capacity",
            ),
            # A need's candidates, district by district, ranked by their score bound
            # (matching.prerank) from the index alone: every column the filters and the
            # bound read is in it (PostgreSQL; elsewhere the keys only).
            models.Index(
                fields=["kind", "sector"],
                include=[
                    "id",
                    "category",
                    "capacity",
                    "households_at_once",
                    "housing_type",
                    "step_free_access",
                    "pets_at_home",
                    "available_from",
                    "available_until",
                    "published_at",
                    "created_at",
                    "languages",
                    "household_types",
                ],
                condition=Q(status="published"),
                name="offer_published_candidates",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(available_until__isnull=True)
                | Q(available_from__isnull=True)
                | Q(available_until__gte=models.F("available_from")),
                name="offer_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_housing(self) -> bool:
        return self.kind == HelpKind.HOUSING

    @property
    def contact_name(self) -> str:
        return self.owner.display_name if self.owner else self.caller_name

    @property
    def contact_phone(self) -> str:
        return self.owner.phone if self.owner else self.caller_phone

    @property
    def contact_email(self) -> str:
        return self.owner.email if self.owner else self.caller_email

    def household_type_labels(self) -> list[str]:
        labels = dict(HouseholdType.choices)
        return [str(labels[code]) for code in self.household_types if code in labels]

    def language_labels(self) -> list[str]:
        labels = dict(SPOKEN_LANGUAGES)
        return [str(labels[code]) for code in self.languages if code in labels]

    def weekly_slot_labels(self) -> list[str]:
        labels = dict(WEEKLY_SLOTS)
        return [str(labels[code]) for code in self.weekly_slots if code in labels]

    # Constraints of the table whose rule ``clean`` states in words: checked again as SQL
    # they would cost a savepoint and a query per write, and say it less clearly.
    STATED_BY_CLEAN = frozenset({"offer_dates_in_order"})

    def validate_without_queries(self, *, exclude: Iterable[str] = ()) -> None:
        """``full_clean`` for the forms and the services, without a query: the foreign keys
        the offer holds were read from the database (a form's choice, the API's cached
        district, the row as it was loaded) and ``PROTECT`` keeps them there, so they are
        not looked up again; and ``clean`` states the dates constraint."""
        known = {
            field.name
            for field in self._meta.concrete_fields
            if field.is_relation and getattr(self, field.attname) is not None
        }
        skipped = known | set(exclude)
        self.full_clean(exclude=skipped, validate_unique=False, validate_constraints=False)
        for constraint in self._meta.constraints:
            if constraint.name not in self.STATED_BY_CLEAN:
                constraint.validate(type(self), self, exclude=skipped)

    def clean(self) -> None:
        """Every rule on what an offer must say, by kind, in words a resident understands."""
        errors: dict[str, list[Any]] = {}

        def add(field: str, message: Any) -> None:
            errors.setdefault(field, []).append(message)

        today = timezone.localdate()
        # The title appears in lists and message subjects: it must not carry contact data.
        # What coordinators and the other side read must not carry contact data; the
        # title also appears in lists and messages.
        if contact_kinds(self.title):
            add("title", _("Keep the title short and without a phone number or e-mail."))
        no_contact = _(
            "Do not write a phone number, an e-mail or an address here: the city team "
            "already has them."
        )
        for name in ("description", "pickup_hours", "language_pairs", "sizes"):
            if contact_kinds(getattr(self, name)):
                add(name, no_contact)
        if self.kind == HelpKind.HOUSING and self.category_id is not None:
            add("category", _("Housing offers have no category."))
        self._clean_lists(add)
        dates = (self.available_from, self.available_until)
        if all(dates) and dates[1] < dates[0]:  # type: ignore[operator]
            add("available_until", _("The end date must come after the start date."))
        if self.available_until and self.available_until < today:
            add("available_until", _("This date is already past."))
        for name in ("available_from", "available_until", "best_before"):
            if too_far_ahead(getattr(self, name), today):
                add(
                    name,
                    _("Dates can be at most %(years)d years from today.")
                    % {"years": MAX_YEARS_AHEAD},
                )
        stays = (self.min_stay_nights, self.max_stay_nights)
        if all(stays) and stays[1] < stays[0]:  # type: ignore[operator]
            add("max_stay_nights", _("The longest stay cannot be shorter than the shortest."))
        if self.kind == HelpKind.HOUSING:
            self._clean_housing(add)
        elif self.kind in (HelpKind.DONATION, HelpKind.SKILL):
            self._clean_category(add, today)
        if errors:
            raise ValidationError(errors)

    def _clean_lists(self, add: Any) -> None:
        if set(self.languages) - _LANGUAGE_CODES:
            add("languages", _("Choose languages from the list."))
        if set(self.household_types) - _HOUSEHOLD_CODES:
            add("household_types", _("Choose from the list."))
        if set(self.weekly_slots) - _SLOT_CODES:
            add("weekly_slots", _("Choose from the list."))

    def _clean_housing(self, add: Any) -> None:
        if not self.housing_type:
            add("housing_type", _("Say what kind of housing you offer."))
        if not self.capacity:
            add("capacity", _("Say how many beds there are (at least one)."))
        if not self.household_types:
            add("household_types", _("Tick at least one kind of household you can welcome."))
        if not self.street_address.strip():
            add(
                "street_address",
                _("The city team needs the address to visit; only they will see it."),
            )

    def _clean_category(self, add: Any, today: date) -> None:
        if self.category is None:
            add("category", _("Choose a category."))
            return
        if self.category.kind != self.kind:
            add("category", _("This category does not fit this kind of offer."))
        if self.kind == HelpKind.DONATION:
            if not self.quantity:
                add("quantity", _("Say how many there are (at least one)."))
            if self.category.asks_best_before:
                if self.best_before is None:
                    add("best_before", _("Give the best-before date of the food."))
                elif self.best_before <= today:
                    add("best_before", _("The best-before date must be in the future."))
        else:
            if not self.weekly_slots and not self.remote_possible:
                add("weekly_slots", _("Tick when you are available, or say it can be remote."))
            if self.category.code == "interpreting" and not self.language_pairs.strip():
                add("language_pairs", _("Say between which languages you interpret."))


class OfferTransition(TransitionLog):
    subject = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="transitions")

    @property
    def from_label(self) -> str:
        return str(Offer.Status(self.from_status).label) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return str(Offer.Status(self.to_status).label)

    class Meta(TransitionLog.Meta):
        verbose_name = _("offer status change")
        verbose_name_plural = _("offer status changes")


class HousingCheck(models.Model):
    """One vetting step done by city staff before a housing offer is published."""

    class Step(models.TextChoices):
        PHONE_CALL = "phone_call", _("Phone call with the host")
        VISIT = "visit", _("Visit of the housing")

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="housing_checks")
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    done_on = models.DateField(_("done on"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["done_on", "id"]
        verbose_name = _("housing check")
        verbose_name_plural = _("housing checks")
        constraints = [
            models.UniqueConstraint(fields=["offer", "step"], name="one_check_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} ({self.done_on})"


class HostCharterQuerySet(models.QuerySet["HostCharter"]):
    def current(self) -> HostCharter | None:
        """The charter in force: the latest version a coordinator published."""
        return self.order_by("-version").first()


class HostCharter(models.Model):
    """The city's host charter (fiche 7): what a host commits to before offering housing.

    Coordinators write it; each publication is a new version, never an edit, so that what
    a host accepted can always be read again. The text is kept in each site language.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    texts = models.JSONField(
        _("text in each language"),
        default=dict,
        help_text=_("Language code → text. French is required; other languages fall back to it."),
    )
    published_at = models.DateTimeField(_("published on"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = HostCharterQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("host charter")
        verbose_name_plural = _("host charters")

    def __str__(self) -> str:
        return f"{_('Host charter')} v{self.version}"

    def text_in(self, language: str | None) -> tuple[str, str]:
        """(language, text): the text in ``language``, else in French."""
        code = (language or settings.LANGUAGE_CODE).lower()
        for candidate in (code, code.split("-")[0], settings.LANGUAGE_CODE):
            if self.texts.get(candidate, "").strip():
                return candidate, self.texts[candidate]
        return settings.LANGUAGE_CODE, ""


class HostCharterAcceptance(models.Model):
    """A host accepted one version of the charter, on this date, for this offer.

    ``user`` is the resident who ticked the box; for an offer taken on the phone line there
    is no account yet, so ``recorded_by`` is the staff member who read it to the caller.
    """

    charter = models.ForeignKey(
        HostCharter, verbose_name=_("charter"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="charter_acceptances",
    )
    offer = models.ForeignKey(
        Offer,
        verbose_name=_("offer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="charter_acceptances",
    )
    language = models.CharField(_("language read"), max_length=8, blank=True)
    accepted_at = models.DateTimeField(_("accepted on"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by (phone line)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-accepted_at", "-id"]
        verbose_name = _("host charter acceptance")
        verbose_name_plural = _("host charter acceptances")
        indexes = [models.Index(fields=["user", "charter"])]

    def __str__(self) -> str:
        return f"v{self.charter.version} — {self.accepted_at:%Y-%m-%d}"
