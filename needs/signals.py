"""What the needs app tells the rest of the platform, without knowing who listens.

``needs`` must never import ``matching`` (dependencies point one way), yet a cancelled need
must free what its proposals hold at once, and a critical need must be planned as soon as
it is published. So the need services send these Django signals, inside their transaction,
and the apps that care connect a receiver in their ``AppConfig.ready()``. A receiver that
fails rolls the whole change back. Receivers take keyword arguments only and must accept
``**kwargs``.
"""

from django.dispatch import Signal

# The need was published (draft → open, or reopened). Arguments: ``need``, ``by``.
need_published = Signal()

# The need no longer wants anything: cancelled, closed, fulfilled or expired.
# Arguments: ``need``, ``by`` (a user or None for the platform) and ``reason``
# (one of ``WITHDRAWAL_REASONS``).
need_withdrawn = Signal()

WITHDRAWAL_REASONS = frozenset({"cancelled", "closed", "fulfilled", "expired"})
