import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from accounts.models import User
from core.audit import audit
from core.models import AuditEntry
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_audit_entry_records_who_did_what_to_which_object(staff: User) -> None:
    organisation = OrganisationFactory()
    entry = audit(
        actor=staff,
        action="accounts.organisation.verified",
        target=organisation,
        detail={"note": "RNA checked"},
    )
    entry.refresh_from_db()
    assert entry.actor == staff
    assert entry.actor_ref == staff.pk
    assert entry.action == "accounts.organisation.verified"
    assert entry.target_type.model_class() is type(organisation)
    assert entry.target_id == str(organisation.pk)
    assert entry.detail == {"note": "RNA checked"}


@pytest.mark.parametrize("action", ["published", "Offers.Offer.Published", "offers..published"])
def test_an_action_must_be_a_dotted_lower_case_name(staff: User, action: str) -> None:
    with pytest.raises(ValueError, match="dotted action name"):
        audit(actor=staff, action=action)
    assert not AuditEntry.objects.exists()


def test_an_audit_entry_can_never_be_changed(staff: User) -> None:
    entry = audit(actor=staff, action="core.audit.tested")
    entry.action = "core.audit.rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="core.audit.rewritten")
    assert AuditEntry.objects.get().action == "core.audit.tested"


def test_an_audit_entry_can_never_be_deleted(staff: User) -> None:
    entry = audit(actor=staff, action="core.audit.tested")
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 1


def test_the_trail_survives_the_erasure_of_the_actor_without_naming_them() -> None:
    user = UserFactory(staff=True)
    user_id = user.pk
    audit(actor=user, action="core.audit.tested")
    user.delete()
    entry = AuditEntry.objects.get()
    assert entry.actor is None
    assert entry.actor_ref == user_id


def test_an_anonymous_action_has_no_actor() -> None:
    from django.contrib.auth.models import AnonymousUser

    entry = audit(actor=AnonymousUser(), action="core.audit.tested")
    assert entry.actor is None
    assert entry.actor_ref is None


def test_coordinators_read_the_audit_log_in_the_admin_but_nobody_edits_it(
    coordinator: User, staff: User
) -> None:
    model_admin = admin_site._registry[AuditEntry]
    request = RequestFactory().get("/admin/")
    request.user = coordinator
    entry = audit(actor=staff, action="core.audit.tested")
    assert model_admin.has_view_permission(request, entry)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request, entry)
    request.user = staff
    assert not model_admin.has_view_permission(request, entry)
