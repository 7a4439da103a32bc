"""Every write on needs: create, update, publish, close, fulfil, cancel, clean a note.

Pages and the API call these; the rules (who may, which state, what is required for each
kind) live here only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts.models import Organisation, User
from core.audit import audit
from core.dates import MAX_YEARS_AHEAD, too_far_ahead
from core.errors import DomainError
from core.lifecycle import transition
from core.models import Sector
from core.pii import personal_data_kinds
from core.text import clean_reason, without_bidi_controls
from core.vocabulary import HelpKind, HouseholdType
from needs.models import Need, NeedTransition
from needs.signals import need_published, need_withdrawn

Status = Need.Status

DISTANCE_WITHOUT_LOCATION = gettext_lazy(
    "A maximum distance needs a place to measure from: choose preferred districts, or leave "
    "the distance empty."
)
MINORS_REFUSED = gettext_lazy(
    "Only an organisation that the city accredited for the care of minors can post a need "
    "for an unaccompanied minor."
)

# The fields a writer may set; everything else (status, flags, origin) the services set.
WRITABLE = (
    "urgency",
    "category",
    "adults",
    "children",
    "household_type",
    "languages",
    "step_free_access",
    "no_pets",
    "accessibility",
    "housing_types",
    "quantity",
    "sizes",
    "wanted_from",
    "wanted_until",
    "max_distance_km",
    "note",
    "internal_reference",
)


# Every free text of a need: what the detector reads (core.pii) and staff clean.
SCANNED = ("note", "internal_reference", "accessibility", "sizes")


def note_flags(*texts: str) -> list[str]:
    """The kinds of personal detail the texts seem to hold, sorted; never the text itself."""
    return sorted({str(kind) for text in texts for kind in personal_data_kinds(text)})


def flagged_fields(need: Need) -> dict[str, list[str]]:
    """Which of the need's texts seem to hold which kinds of detail (for the pages)."""
    found = {name: note_flags(getattr(need, name)) for name in SCANNED}
    return {name: kinds for name, kinds in found.items() if kinds}


def _check_may_manage(by: User, organisation: Organisation | None) -> None:
    if not roles.can_manage_needs_of(by, organisation):
        raise DomainError(_("You cannot manage the needs of this organisation."), code="forbidden")


def _check_consistent(need: Need, *, sectors: list[Sector] | None = None) -> None:
    """What each kind requires; the same message on a page and in the API. ``sectors``:
    the preferred districts being saved (None: those already saved)."""
    if need.kind in (HelpKind.DONATION, HelpKind.SKILL):
        if need.category is None or need.category.kind != need.kind:
            raise DomainError(_("Choose a category for this kind of help."), code="category")
    elif need.category is not None:
        raise DomainError(_("Housing needs have no category."), code="category")
    if need.wanted_from and need.wanted_until and need.wanted_until < need.wanted_from:
        raise DomainError(_("The end date comes before the start date."), code="dates")
    today = timezone.localdate()
    if need.wanted_until and need.wanted_until < today:
        raise DomainError(_("The end date is already past."), code="dates")
    if too_far_ahead(need.wanted_from, today) or too_far_ahead(need.wanted_until, today):
        raise DomainError(
            _("Dates can be at most %(years)d years from today.") % {"years": MAX_YEARS_AHEAD},
            code="dates",
        )
    if need.adults + need.children < 1:
        raise DomainError(_("A need concerns at least one person."), code="household")
    if need.max_distance_km is not None and not _has_location(need, sectors):
        raise DomainError(DISTANCE_WITHOUT_LOCATION, code="distance_without_location")
    if (
        need.kind == HelpKind.HOUSING
        and need.children
        and need.household_type
        in (
            "single_adult",
            "woman_alone",
            "couple",
        )
    ):
        raise DomainError(
            _("A household with children is a family: choose that household type."),
            code="household",
        )
    if need.household_type == HouseholdType.MINOR and not accepts_minors(need.organisation):
        raise DomainError(MINORS_REFUSED, code="minors_not_accredited")


def accepts_minors(organisation: Organisation | None) -> bool:
    """Fiche 7: a need for an unaccompanied minor comes only from an organisation the city
    accredited for their care."""
    return organisation is not None and organisation.is_accredited_for_minors


def has_districts(organisation: Organisation | None) -> bool:
    """A need without preferred districts is measured from its organisation's."""
    return organisation is not None and organisation.sectors.exists()


def _has_location(need: Need, sectors: Iterable[Sector] | None = None) -> bool:
    """Whether distances can be measured for the need: its preferred districts (those
    being saved, or else those saved), or else its organisation's."""
    if sectors is not None:
        if list(sectors):
            return True
    elif need.pk and need.sectors.exists():
        return True
    return has_districts(need.organisation)


def _apply(need: Need, data: Mapping[str, Any]) -> None:
    unknown = set(data) - set(WRITABLE)
    if unknown:
        raise ValueError(f"Not writable: {sorted(unknown)}")
    before = [getattr(need, name) for name in SCANNED]
    for name, value in data.items():
        setattr(need, name, without_bidi_controls(value) if isinstance(value, str) else value)
    if need.kind == HelpKind.HOUSING:
        need.category = None
    else:
        need.housing_types = []
    need.household_size = need.adults + need.children
    texts = [getattr(need, name) for name in SCANNED]
    # Unchanged texts keep their flags: staff who cleared a false alarm are not asked again.
    if need.pk is None or texts != before:
        need.note_flags = note_flags(*texts)


@transaction.atomic
def need_create(
    *,
    by: User,
    kind: str,
    organisation: Organisation | None,
    origin: str = Need.Origin.ASSOCIATION,
    sectors: Iterable[Sector] = (),
    **data: Any,
) -> Need:
    """A draft need. Members post for their organisation; city staff for an organisation
    (``staff_for_association``) or for someone met at a counter (``counter``, no organisation)."""
    if origin == Need.Origin.ASSOCIATION:
        if organisation is None or not roles.is_member_of(by, organisation):
            raise DomainError(_("You cannot post needs for this organisation."), code="forbidden")
    else:
        if not roles.is_staff_member(by):
            raise DomainError(
                _("Only city staff enter needs on someone's behalf."), code="forbidden"
            )
        if origin == Need.Origin.COUNTER and organisation is not None:
            organisation = None
        if origin == Need.Origin.STAFF_FOR_ASSOCIATION and (
            organisation is None or not organisation.is_verified
        ):
            raise DomainError(_("Choose a verified organisation."), code="organisation")
    need = Need(kind=kind, organisation=organisation, origin=origin, created_by=by)
    sectors = list(sectors)
    _apply(need, data)
    _check_consistent(need, sectors=sectors)
    need.save()
    need.sectors.set(sectors)
    audit(
        actor=by,
        action="needs.need.created",
        target=need,
        detail={"origin": origin, "note_flags": need.note_flags},
    )
    return need


@transaction.atomic
def need_update(
    *, need: Need, by: User, sectors: Iterable[Sector] | None = None, **data: Any
) -> Need:
    _check_may_manage(by, need.organisation)
    need = Need.objects.select_for_update().get(pk=need.pk)
    if not need.is_editable:
        raise DomainError(_("A need in this state can no longer be changed."), code="not_editable")
    if not roles.can_see_internal_reference(by, need.organisation):
        data.pop("internal_reference", None)  # staff never see it, so never overwrite it
    sectors = list(sectors) if sectors is not None else None
    _apply(need, data)
    _check_consistent(need, sectors=sectors)
    need.save()
    if sectors is not None:
        need.sectors.set(sectors)
    member = need.organisation is not None and roles.is_member_of(by, need.organisation)
    action = "needs.need.updated" if member else "needs.need.updated_by_staff"
    audit(actor=by, action=action, target=need, detail={"note_flags": need.note_flags})
    return need


def _move(need: Need, to: str, by: User | None, note: str = "", **fields: Any) -> Need:
    return transition(
        instance=need,
        to=to,
        table=Need.TRANSITIONS,
        log_model=NeedTransition,
        by=by,
        note=clean_reason(note),
        fields=fields,
    )


def _starting_from(need: Need, *allowed: str) -> None:
    """The table says what may follow what; this says which service starts from where
    (publishing a draft and reopening a fulfilled need both lead to "open")."""
    current = Need.objects.filter(pk=need.pk).values_list("status", flat=True).first()
    if current not in allowed:
        labels = dict(Need.Status.choices)
        raise DomainError(
            _("This cannot be done to a need that is “%(status)s”.")
            % {"status": labels.get(current or "", current)},
            code="transition_refused",
        )


@transaction.atomic
def need_publish(*, need: Need, by: User) -> Need:
    """Draft → open: the need counts on the public page and matching sees it."""
    _check_may_manage(by, need.organisation)
    _starting_from(need, Status.DRAFT)
    if need.organisation is not None and not need.organisation.is_verified:
        raise DomainError(_("The organisation is not verified yet."), code="not_verified")
    _check_consistent(need)
    need = _move(need, Status.OPEN, by, opened_at=timezone.now())
    audit(actor=by, action="needs.need.published", target=need)
    need_published.send(sender=Need, need=need, by=by)
    return need


@transaction.atomic
def need_close(*, need: Need, by: User, note: str = "") -> Need:
    """The association no longer needs it (or it is done): closed for good."""
    _check_may_manage(by, need.organisation)
    target = Status.CANCELLED if need.status == Status.DRAFT else Status.CLOSED
    need = _move(need, target, by, note=note)
    audit(actor=by, action=f"needs.need.{target}", target=need)
    need_withdrawn.send(sender=Need, need=need, by=by, reason=str(target))
    return need


@transaction.atomic
def need_mark_fulfilled(*, need: Need, by: User, note: str = "") -> Need:
    _check_may_manage(by, need.organisation)
    need = _move(need, Status.FULFILLED, by, note=note)
    audit(actor=by, action="needs.need.fulfilled", target=need)
    need_withdrawn.send(sender=Need, need=need, by=by, reason="fulfilled")
    return need


@transaction.atomic
def need_cancel(*, need: Need, by: User, note: str = "") -> Need:
    _check_may_manage(by, need.organisation)
    need = _move(need, Status.CANCELLED, by, note=note)
    audit(actor=by, action="needs.need.cancelled", target=need)
    need_withdrawn.send(sender=Need, need=need, by=by, reason="cancelled")
    return need


@transaction.atomic
def need_reopen(*, need: Need, by: User) -> Need:
    """An expired need that is still needed, or a need marked fulfilled whose household
    still needs help, goes back to open."""
    _check_may_manage(by, need.organisation)
    _starting_from(need, Status.EXPIRED, Status.FULFILLED)
    _check_consistent(need)
    need = _move(need, Status.OPEN, by)
    audit(actor=by, action="needs.need.reopened", target=need)
    need_published.send(sender=Need, need=need, by=by)
    return need


@transaction.atomic
def need_expire(*, need: Need) -> Need:
    """No longer wanted after its end date (the platform does it, not a person)."""
    need = _move(need, Status.EXPIRED, None, note="wanted_until passed")
    need_withdrawn.send(sender=Need, need=need, by=None, reason="expired")
    return need


@transaction.atomic
def need_record_matching(*, need: Need, to: str, by: User | None = None) -> Need:
    """For the matching app: open ↔ partly matched ↔ matched as capacity is allocated.
    A household placed again leaves the top of the staff queue."""
    if to not in (Status.OPEN, Status.PARTLY_MATCHED, Status.MATCHED):
        raise ValueError(to)
    fields: dict[str, Any] = {}
    if to != Status.OPEN and need.attention_reason:
        fields = {"attention_reason": "", "attention_since": None}
    return _move(need, to, by, **fields)


@transaction.atomic
def need_reopen_after_match(
    *, need: Need, to: str, reason: str, by: User | None = None, note: str = ""
) -> Need:
    """For the matching app: a match of this need ended (a breakdown, an early end, or a
    stay over while the household still needs help). The need is open to offers again,
    with its history, at the top of the staff queue with ``reason`` until a new match is
    confirmed; planners are told as for a published need."""
    if to not in (Status.OPEN, Status.PARTLY_MATCHED) or reason not in Need.Attention.values:
        raise ValueError((to, reason))
    fields = {"attention_reason": reason, "attention_since": timezone.now()}
    need = Need.objects.select_for_update().get(pk=need.pk)
    if need.status == to:
        for name, value in fields.items():
            setattr(need, name, value)
        need.save(update_fields=[*fields, "updated_at"])
    else:
        need = _move(need, to, by, note=note or reason, **fields)
    audit(actor=by, action="needs.need.reopened_after_match", target=need,
          detail={"reason": reason})  # fmt: skip
    need_published.send(sender=Need, need=need, by=by)
    return need


@transaction.atomic
def need_fulfil_after_match(*, need: Need, by: User | None = None, note: str = "") -> Need:
    """For the matching app: the stay or the help is over and nothing more is needed.
    Its association can open it again (``need_reopen``) if the household still needs it."""
    need = _move(need, Status.FULFILLED, by, note=note, attention_reason="", attention_since=None)
    audit(actor=by, action="needs.need.fulfilled", target=need, detail={"after_match": True})
    need_withdrawn.send(sender=Need, need=need, by=by, reason="fulfilled")
    return need


@transaction.atomic
def need_clean_note(
    *,
    need: Need,
    by: User,
    note: str,
    accessibility: str | None = None,
    sizes: str | None = None,
    erase_reference: bool = False,
) -> Need:
    """City staff rewrite the texts of a need that held personal details (the note, the
    accessibility needs, the sizes) and may erase the association's internal reference,
    which they never read. Audited with the kinds of detail before and after, never the
    text."""
    if not roles.is_staff_member(by):
        raise DomainError(_("Only city staff can clean a note."), code="forbidden")
    need = Need.objects.select_for_update().get(pk=need.pk)
    before = list(need.note_flags)
    need.note = without_bidi_controls(note)
    if accessibility is not None:
        need.accessibility = without_bidi_controls(accessibility)
    if sizes is not None:
        need.sizes = without_bidi_controls(sizes)
    if erase_reference:
        need.internal_reference = ""
    need.note_flags = note_flags(*(getattr(need, name) for name in SCANNED))
    need.save(update_fields=[*SCANNED, "note_flags", "updated_at"])
    detail: dict[str, Any] = {"flags_before": before, "flags_after": need.note_flags}
    if erase_reference:
        detail["reference_erased"] = True
    audit(actor=by, action="needs.note.cleaned", target=need, detail=detail)
    return need


@transaction.atomic
def need_dismiss_flags(*, need: Need, by: User) -> Need:
    """City staff read the flagged texts and found nothing personal (the detector errs):
    the flag is cleared until the texts change. Audited."""
    if not roles.is_staff_member(by):
        raise DomainError(_("Only city staff can clear a flag."), code="forbidden")
    need = Need.objects.select_for_update().get(pk=need.pk)
    before = list(need.note_flags)
    need.note_flags = []
    need.save(update_fields=["note_flags", "updated_at"])
    audit(actor=by, action="needs.note.flags_dismissed", target=need,
          detail={"flags_before": before})  # fmt: skip
    return need
