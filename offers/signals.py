"""What the offers app tells the rest of the platform, without knowing who listens.

``offers`` must never import ``matching`` (dependencies point one way), yet a closed or
paused offer must free what its proposals hold at once. So the offer services send these
Django signals, inside their transaction, and the apps that care connect a receiver in
their ``AppConfig.ready()``. A receiver that fails rolls the whole change back: nothing is
half done. Receivers take keyword arguments only and must accept ``**kwargs``.
"""

from django.dispatch import Signal

# The offer left the set that can be proposed: closed, paused, expired, sent back to
# review, or withdrawn by staff. Arguments: ``offer``, ``by`` (a user or None for the
# platform itself) and ``reason`` (one of ``WITHDRAWAL_REASONS``).
offer_withdrawn = Signal()

WITHDRAWAL_REASONS = frozenset({"closed", "paused", "expired", "back_to_review", "withdrawn"})
