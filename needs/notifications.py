"""What the needs app adds to the staff's daily digest."""

from django.utils.translation import gettext_lazy as _

from core.claims import register_claimable
from core.staff_queues import StaffQueue, register_staff_queue
from needs.models import Need
from needs.selectors import open_critical_count

register_staff_queue(
    StaffQueue(
        key="needs.open_critical",
        label=_("Critical needs still open (within 48 hours)"),
        count=open_critical_count,
        url="/equipe/besoins/?urgency=critical&status=open",
    )
)
register_staff_queue(
    StaffQueue(
        key="needs.notes_to_clean",
        label=_("Need notes that seem to hold personal details"),
        count=lambda: Need.objects.flagged().count(),
        url="/equipe/besoins/?flagged=1",
    )
)
register_staff_queue(
    StaffQueue(
        key="needs.to_place_again",
        label=_("Households to place again after a stay ended"),
        count=lambda: Need.objects.active().filter(attention_since__isnull=False).count(),
        url="/equipe/mises-en-relation/",
    )
)

register_claimable("need", Need)
