from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import (
    normalise_registration_number,
    validate_phone,
    validate_registration_number,
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.pop("is_staff", None)
        fields.setdefault("is_superuser", True)
        fields.setdefault("role", User.Role.COORDINATOR)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account: e-mail is the login.

    ``role`` says whether the person works for the city; being an association member is
    not a role stored here but a :class:`Membership`. Role checks live in ``accounts.roles``.
    """

    class Role(models.TextChoices):
        RESIDENT = "resident", _("Resident")
        STAFF = "staff", _("City staff (moderator)")
        COORDINATOR = "coordinator", _("Coordinator")

    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("How we address you. A first name is enough."),
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.ENTRAIDE_FULL_LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    phone = models.CharField(
        _("phone"),
        max_length=32,
        blank=True,
        validators=[validate_phone],
        help_text=_("Optional. Only city staff see it, and the other side of a confirmed match."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # API tokens made before this moment no longer work (set by every password change).
    password_changed_at = models.DateTimeField(_("password last changed"), null=True, blank=True)
    # Set when the account was warned that it will be erased for lack of activity
    # (docs/privacy.md); any activity afterwards keeps it.
    inactivity_warned_at = models.DateTimeField(
        _("warned of erasure for inactivity on"), null=True, blank=True
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def is_staff(self) -> bool:
        """Access to Django's admin site: coordinators only (it edits settings data)."""
        return self.is_active and (self.is_superuser or self.role == self.Role.COORDINATOR)

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    def set_password(self, raw_password: str | None) -> None:
        # Whatever changes a password (the account page, a reset link, the admin, the
        # city's sign-on dropping it), API tokens made before stop working.
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self.password_changed_at = timezone.now()

    def get_full_name(self) -> str:
        return self.get_short_name()


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def verified(self) -> OrganisationQuerySet:
        """Verified and not closed: the organisations that act on the platform."""
        return self.filter(verified_at__isnull=False, closed_at__isnull=True)

    def accredited_for_minors(self) -> OrganisationQuerySet:
        return self.verified().filter(minors_accredited_at__isnull=False)

    def to_verify(self) -> OrganisationQuerySet:
        """Applications waiting for a decision of city staff, oldest first."""
        return self.filter(verified_at__isnull=True, refused_at__isnull=True).order_by(
            "created_at", "id"
        )


class Organisation(models.Model):
    """An association or another body that declares needs on behalf of the people it helps."""

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Association")
        COLLECTIVE = "collective", _("Citizens' collective")
        PUBLIC_BODY = "public_body", _("Public body (social services, city department)")
        OTHER = "other", _("Other organisation")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    registration_number = models.CharField(
        _("registration number"),
        max_length=20,
        blank=True,
        validators=[validate_registration_number],
        help_text=_("Optional: RNA number (W and 9 digits) or SIREN number (9 digits)."),
    )
    sectors = models.ManyToManyField(
        "core.Sector", verbose_name=_("sectors served"), blank=True, related_name="organisations"
    )
    description = models.TextField(
        _("what it does"),
        blank=True,
        max_length=2000,
        help_text=_("In a few lines: who you support and how. City staff read it to verify you."),
    )
    # The contact the other side of a confirmed match will see: private to city staff and
    # to the organisation's members until then.
    contact_name = models.CharField(
        _("contact person"),
        max_length=120,
        blank=True,
        help_text=_("Who answers for the organisation: a first name or a role is enough."),
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=32, blank=True, validators=[validate_phone]
    )
    applied_by = models.ForeignKey(
        User,
        verbose_name=_("applied through the account of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    refused_at = models.DateTimeField(_("refused on"), null=True, blank=True)
    refusal_reason = models.TextField(
        # The bound of every reason staff write (core.text.REASON_MAX_LENGTH).
        _("reason for the refusal"),
        blank=True,
        max_length=1000,
    )
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Fiche 7: unaccompanied minors are hosted only through an organisation that city
    # staff accredited for their care; only such an organisation may post a need for one.
    minors_accredited_at = models.DateTimeField(
        _("accredited for the care of minors on"), null=True, blank=True
    )
    minors_accredited_by = models.ForeignKey(
        User,
        verbose_name=_("accredited for the care of minors by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)
    # Its admins closed it (docs/privacy.md): members removed, contact erased, live needs
    # closed; its past needs and matches stay in the city's counts.
    closed_at = models.DateTimeField(_("closed on"), null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None and self.closed_at is None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_accredited_for_minors(self) -> bool:
        return self.is_verified and self.minors_accredited_at is not None

    @property
    def is_refused(self) -> bool:
        return self.verified_at is None and self.refused_at is not None

    def clean(self) -> None:
        if self.registration_number:
            self.registration_number = normalise_registration_number(self.registration_number)


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Member")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"
