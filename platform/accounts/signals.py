"""What accounts tell the rest of the platform, without importing it."""

from django.dispatch import Signal

# A person's city role changed (resident, staff, coordinator). Sent inside the
# transaction of the change with ``user``, ``previous``, ``role``, ``by`` (the person who
# decided, or None for the city's identity provider) and ``source`` ("oidc", ...).
# core audits it (core.signals).
role_changed = Signal()
