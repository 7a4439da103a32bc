"""A match (mise en relation) links one need and one offer with the units it takes
(docs/design.md §4): a household for housing, a quantity of goods, a person for a skill."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from core.lifecycle import TransitionLog
from core.text import REASON_MAX_LENGTH
from core.vocabulary import HelpKind
from needs.models import Need
from offers.models import Offer


def holding_condition(offer_kind: Any = None) -> Q:
    """Matches whose units are taken from their offer and need: the live ones, and goods
    handed over (gone for good, unlike a room or a volunteer's time, which a completed
    match gives back). ``offer_kind``: where the offer's kind is read from, when not from
    a join (``OuterRef("kind")`` in a subquery on offers)."""
    kind = F("offer__kind") if offer_kind is None else offer_kind
    handed_over = Q(status=Match.Status.COMPLETED) & Q(Exact(kind, HelpKind.DONATION))
    return Q(status__in=Match.HOLDING) | handed_over


def broken_down_condition() -> Q:
    """Stays that broke down or ended early: their offer is never proposed to the same
    need again."""
    return Q(
        status=Match.Status.COMPLETED,
        outcome__in=(Match.Outcome.ENDED_EARLY, Match.Outcome.BROKE_DOWN),
    )


class MatchQuerySet(models.QuerySet["Match"]):
    def live(self) -> MatchQuerySet:
        """Matches that hold units of their offer and need: proposed, accepted, confirmed."""
        return self.filter(status__in=Match.HOLDING)

    def holding(self) -> MatchQuerySet:
        """Matches whose units are taken from their offer and need (``holding_condition``)."""
        return self.filter(holding_condition())

    def broken_down(self) -> MatchQuerySet:
        """Stays that broke down or ended early (``broken_down_condition``)."""
        return self.filter(broken_down_condition())

    def for_resident(self, user: object) -> MatchQuerySet:
        return self.filter(offer__owner=user).exclude(status=Match.Status.SUGGESTED)

    def for_organisations(self, organisation_ids: list[int]) -> MatchQuerySet:
        return self.filter(need__organisation_id__in=organisation_ids).exclude(
            status=Match.Status.SUGGESTED
        )


class Match(models.Model):
    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED_BY_RESIDENT = "accepted_by_resident", _("Accepted by the resident")
        ACCEPTED_BY_ASSOCIATION = "accepted_by_association", _("Accepted by the association")
        CONFIRMED = "confirmed", _("Confirmed")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    S = Status
    TRANSITIONS: dict[str, set[str]] = {
        S.SUGGESTED: {S.PROPOSED, S.CANCELLED},
        S.PROPOSED: {
            S.ACCEPTED_BY_RESIDENT,
            S.ACCEPTED_BY_ASSOCIATION,
            S.DECLINED,
            S.CANCELLED,
            S.EXPIRED,
        },
        S.ACCEPTED_BY_RESIDENT: {S.CONFIRMED, S.DECLINED, S.CANCELLED, S.EXPIRED},
        S.ACCEPTED_BY_ASSOCIATION: {S.CONFIRMED, S.DECLINED, S.CANCELLED, S.EXPIRED},
        S.CONFIRMED: {S.COMPLETED, S.CANCELLED},
        S.COMPLETED: set(),
        S.DECLINED: set(),
        S.CANCELLED: set(),
        S.EXPIRED: set(),
    }
    HOLDING = (S.PROPOSED, S.ACCEPTED_BY_RESIDENT, S.ACCEPTED_BY_ASSOCIATION, S.CONFIRMED)
    AWAITING_ANSWER = (S.PROPOSED, S.ACCEPTED_BY_RESIDENT, S.ACCEPTED_BY_ASSOCIATION)
    CONTACT_VISIBLE = (S.CONFIRMED, S.COMPLETED)

    class Side(models.TextChoices):
        RESIDENT = "resident", _("The resident")
        ASSOCIATION = "association", _("The association")
        STAFF = "staff", _("City staff")

    class Outcome(models.TextChoices):
        WENT_WELL = "went_well", _("It went well")
        ENDED_EARLY = "ended_early", _("It ended earlier than planned")
        BROKE_DOWN = "broke_down", _("It broke down")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="matches")
    units = models.PositiveIntegerField(
        _("units"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Households for housing, a quantity for goods, people for a skill."),
    )
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.SUGGESTED
    )
    score = models.FloatField(_("score"), default=0)
    # The score's criteria when it was computed, so that staff and both sides read why.
    criteria = models.JSONField(_("why this match"), default=list, blank=True)
    batch = models.ForeignKey(
        "matching.BatchRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Matches sharing this key are one combination: two offers at one address for one
    # household too large for either, proposed together and never one without the other.
    combination = models.UUIDField(_("combination"), null=True, blank=True, db_index=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    answer_due = models.DateTimeField(_("answer expected by"), null=True, blank=True)
    resident_accepted_at = models.DateTimeField(null=True, blank=True)
    association_accepted_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    declined_by = models.CharField(
        _("declined by"), max_length=20, choices=Side.choices, blank=True
    )
    decline_reason = models.TextField(_("reason"), blank=True, max_length=REASON_MAX_LENGTH)
    # Staff answering for a side without an account (a caller of the phone line, a person
    # met at a counter) record that the person agreed; when, and for which side.
    resident_consent_at = models.DateTimeField(
        _("resident's consent recorded at"), null=True, blank=True
    )
    association_consent_at = models.DateTimeField(
        _("consent of the person met at the counter recorded at"), null=True, blank=True
    )
    # Halfway to the answer deadline, the sides that have not answered are reminded once.
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    # The end of a confirmed match (the stay or the help is over).
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    outcome = models.CharField(_("how it went"), max_length=20, choices=Outcome.choices, blank=True)
    ended_by = models.CharField(_("ended by"), max_length=20, choices=Side.choices, blank=True)
    # Its reasons and who proposed it were emptied (docs/privacy.md); dates and outcome stay.
    anonymised_at = models.DateTimeField(_("anonymised on"), null=True, blank=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        indexes = [
            models.Index(fields=["status", "answer_due"], name="match_status_due"),
            models.Index(fields=["offer", "status"], name="match_offer_status"),
            models.Index(fields=["need", "status"], name="match_need_status"),
            # What changed since the offers' snapshot was taken (matching/offer_index.py).
            models.Index(fields=["updated_at"], name="match_updated"),
        ]
        constraints = [
            # One live pairing of the same need and offer at a time.
            models.UniqueConstraint(
                fields=["need", "offer"],
                condition=Q(
                    status__in=[
                        "suggested",
                        "proposed",
                        "accepted_by_resident",
                        "accepted_by_association",
                        "confirmed",
                    ]
                ),
                name="one_live_match_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need} ↔ {self.offer}"

    def accepted_by(self, side: str) -> bool:
        """Whether ``side`` (resident or association) has said yes already."""
        stamp = self.resident_accepted_at if side == self.Side.RESIDENT else (
            self.association_accepted_at
        )  # fmt: skip
        return stamp is not None

    @property
    def reasons(self) -> list[str]:
        """The stored criteria as sentences in the reader's language."""
        from matching.engine.explain import explain
        from matching.engine.scoring import Criterion

        return [explain(Criterion(**criterion)) for criterion in self.criteria]

    def partners(self) -> MatchQuerySet:
        """The other matches of its combination (none for a single offer)."""
        if self.combination is None:
            return Match.objects.none()
        return Match.objects.filter(combination=self.combination).exclude(pk=self.pk)

    @property
    def awaiting_answer(self) -> bool:
        return self.status in self.AWAITING_ANSWER

    @property
    def contact_visible(self) -> bool:
        return self.status in self.CONTACT_VISIBLE

    @property
    def broke_down(self) -> bool:
        return self.status == self.Status.COMPLETED and self.outcome in (
            self.Outcome.ENDED_EARLY,
            self.Outcome.BROKE_DOWN,
        )


class MatchTransition(TransitionLog):
    subject = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="transitions")

    @property
    def from_label(self) -> str:
        return str(Match.Status(self.from_status).label) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return str(Match.Status(self.to_status).label)

    class Meta(TransitionLog.Meta):
        verbose_name = _("match status change")
        verbose_name_plural = _("match status changes")


class BatchRun(models.Model):
    """One city-wide assignment run: its suggestions are matches in ``suggested``."""

    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    needs_considered = models.PositiveIntegerField(default=0)
    offers_considered = models.PositiveIntegerField(default=0)
    suggestions = models.PositiveIntegerField(default=0)
    critical_covered = models.PositiveIntegerField(default=0)  # households fully served
    critical_units = models.PositiveIntegerField(default=0)
    high_covered = models.PositiveIntegerField(default=0)  # households fully served
    total_score = models.FloatField(default=0)
    # Whether the run proved its critical coverage equal to the full feasible graph's
    # maximum (false only if a solver stage hit its time limit).
    proven = models.BooleanField(default=False)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("batch run")
        verbose_name_plural = _("batch runs")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class CheckIn(models.Model):
    """A "how is it going?" question to one side of a housing match, after a week and a
    month; a bad answer alerts staff."""

    class Answer(models.TextChoices):
        GOOD = "good", _("It is going well")
        DIFFICULT = "difficult", _("It is difficult")
        ENDED = "ended", _("It has ended")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="check_ins")
    side = models.CharField(max_length=20, choices=Match.Side.choices)
    due_on = models.DateField(_("due on"))
    round = models.CharField(
        max_length=10, choices=[("week", _("one week")), ("month", _("one month"))]
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=20, choices=Answer.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["match", "side", "round"], name="one_check_in"),
        ]

    def __str__(self) -> str:
        return f"{self.match_id} {self.side} {self.round}"
