"""How long the platform keeps personal data: one table, read from the settings.

The nightly purge (``privacy.services.purge_run``), the coordinators' retention page, the
privacy notice and ``docs/privacy.md`` all read :func:`rules`, so that what the city
promises and what the code does can never differ. Periods are settings
(``ENTRAIDE_RETENTION_*``, README's configuration table).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Rule:
    key: str
    setting: str
    unit: str  # "months" or "days"
    what: str | Promise
    starts: str | Promise  # when the period starts
    then: str | Promise  # what happens at its end
    kept: str | Promise  # what stays
    reason: str | Promise

    @property
    def amount(self) -> int:
        return int(settings.ENTRAIDE_RETENTION[self.key])

    @property
    def period(self) -> str:
        if self.unit == "days":
            return ngettext("%(count)d day", "%(count)d days", self.amount) % {"count": self.amount}
        return ngettext("%(count)d month", "%(count)d months", self.amount) % {"count": self.amount}

    def cutoff(self, now: datetime) -> datetime:
        """What ended before this moment is past its period."""
        if self.unit == "days":
            return now - timedelta(days=self.amount)
        return months_before(now, self.amount)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` months earlier (the month's last day if shorter)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


_RULES = (
    Rule(
        key="offers",
        setting="ENTRAIDE_RETENTION_OFFERS_MONTHS",
        unit="months",
        what=_("Offers that are closed, expired or were not accepted"),
        starts=_("after the offer's last change"),
        then=_(
            "The address, the contact, the texts, the owner and the staff's notes are "
            "removed; the offer no longer belongs to anyone."
        ),
        kept=_("Kind, district, capacity, dates and state, for the figures."),
        reason=_(
            "Long enough to answer a question about a placement or a complaint, and to "
            "settle a stay that ended late; no longer, because an address kept is an "
            "address that can be demanded."
        ),
    ),
    Rule(
        key="phone_contacts",
        setting="ENTRAIDE_RETENTION_PHONE_CONTACTS_MONTHS",
        unit="months",
        what=_("The name, phone and e-mail of callers of the phone line"),
        starts=_("after their offer ended"),
        then=_("The caller's contact is removed (the rest of the offer follows the offers' rule)."),
        kept=_("The offer, without its contact."),
        reason=_(
            "The caller agreed that the city keeps their contact for their offer only: "
            "once it ended, the city only needs it to call back about the last placement."
        ),
    ),
    Rule(
        key="needs",
        setting="ENTRAIDE_RETENTION_NEEDS_MONTHS",
        unit="months",
        what=_("Needs that are fulfilled, closed, cancelled or expired"),
        starts=_("after the need's last change"),
        then=_(
            "The note, the association's internal reference, the texts on accessibility "
            "and sizes, and who entered it are removed."
        ),
        kept=_("The household's counts and type, kind, urgency, dates and state."),
        reason=_(
            "The same year as offers, so that a placement's history can be read while "
            "questions about it may still come; the texts are the place where someone "
            "may have written who the people are."
        ),
    ),
    Rule(
        key="matches",
        setting="ENTRAIDE_RETENTION_MATCHES_MONTHS",
        unit="months",
        what=_("Matches that are completed, declined, expired or cancelled, and their check-ins"),
        starts=_("after the match's last change"),
        then=_("Reasons written by either side or staff, and who proposed it, are removed."),
        kept=_(
            "Dates, units, how it ended and the check-ins' answers (they hold no text), "
            "for the figures of placements."
        ),
        reason=_("A match's history is read with its offer and its need: the same year."),
    ),
    Rule(
        key="notifications",
        setting="ENTRAIDE_RETENTION_NOTIFICATIONS_MONTHS",
        unit="months",
        what=_("Messages sent (e-mails, text messages, messages in the app)"),
        starts=_("after they were written"),
        then=_("What they said, their recipient and address, and delivery errors are removed."),
        kept=_("Type, channel, language, delivery state and dates."),
        reason=_(
            "Long enough to answer “I never received it” and to send again; a message's "
            "content is copied from the records, which have their own period."
        ),
    ),
    Rule(
        key="invitations",
        setting="ENTRAIDE_RETENTION_INVITATIONS_MONTHS",
        unit="months",
        what=_("Invitations to join an organisation"),
        starts=_("after they were accepted, withdrawn or expired"),
        then=_("The invitation, and the e-mail address it was sent to, are deleted."),
        kept=_("Nothing: the membership itself says who joined."),
        reason=_("An invitation has no use once answered; the audit log keeps that it was sent."),
    ),
    Rule(
        key="import_files",
        setting="ENTRAIDE_RETENTION_IMPORT_FILES_DAYS",
        unit="days",
        what=_("Spreadsheets uploaded by staff, and their error reports"),
        starts=_("after the import's last step"),
        then=_("The file and the rows copied into its report are removed."),
        kept=_("The import's counts: rows, accepted, refused."),
        reason=_(
            "A spreadsheet holds callers' contacts: once imported, they live in the offers "
            "(or nowhere); a month is enough to fix and import the refused rows."
        ),
    ),
    Rule(
        key="audit",
        setting="ENTRAIDE_RETENTION_AUDIT_MONTHS",
        unit="months",
        what=_("The audit log: who looked at contact details, who decided what"),
        starts=_("after the entry was written"),
        then=_("The entry is deleted. The runs of this purge are kept, with their counts."),
        kept=_("The record of each purge (counts only)."),
        reason=_(
            "The CNIL recommends keeping access logs six months to a year: long enough to "
            "detect and investigate a misuse, no longer."
        ),
    ),
    Rule(
        key="inactive_accounts",
        setting="ENTRAIDE_RETENTION_INACTIVE_ACCOUNTS_MONTHS",
        unit="months",
        what=_("Accounts of residents and association members without any activity"),
        starts=_("after the last sign-in or confirmation of an offer"),
        then=_(
            "The person is warned by e-mail; without a sign-in before the date given, the "
            "account is erased as if they had asked."
        ),
        kept=_("What the erasure keeps: counts of the offers and matches, without the person."),
        reason=_(
            "Two years covers a scheme that sleeps between two crises; an account nobody "
            "uses is only a risk for the person."
        ),
    ),
    Rule(
        key="inactivity_warning",
        setting="ENTRAIDE_RETENTION_INACTIVITY_WARNING_DAYS",
        unit="days",
        what=_("Warning before an inactive account is erased"),
        starts=_("before the erasure"),
        then=_("The account is erased if nobody signed in meanwhile."),
        kept=_("—"),
        reason=_("A month lets the person sign in, or download their data first."),
    ),
)


def rules() -> tuple[Rule, ...]:
    return _RULES


def rule(key: str) -> Rule:
    for found in _RULES:
        if found.key == key:
            return found
    raise LookupError(key)
