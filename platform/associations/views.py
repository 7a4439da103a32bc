"""Association pages: apply, follow the application, members and invitations, acting for
one organisation; and the staff verification queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import roles
from accounts.models import Membership, Organisation
from associations import selectors, services
from associations.forms import (
    AccreditationWithdrawalForm,
    ApplicationForm,
    FindHelpFilterForm,
    InvitationForm,
    ListingForm,
    RefusalForm,
)
from associations.models import Invitation, PublicListing
from core.audit import audit
from core.claims import attach_claims, claim_on
from core.errors import DomainError
from core.http import AuthenticatedRequest, object_or_404
from core.keyset import page_from_request
from core.permissions import staff_required
from core.staff_filters import QUEUE_KEYS, QueueFilterForm, apply_filters


@login_required
@require_GET
def mine(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "memberships": selectors.memberships_of(request.user),
        "acting": selectors.acting_organisation(request),
    }
    return render(request, "associations/mine.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def apply(request: AuthenticatedRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = services.organisation_apply(by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("Thank you. City staff will check your application and write to you."),
        )
        return redirect("associations:detail", pk=organisation.pk)
    return render(request, "associations/apply.html", {"form": form})


@login_required
@require_POST
def act_for(request: AuthenticatedRequest) -> HttpResponse:
    organisation = object_or_404(Organisation, request.POST.get("organisation"))
    if not selectors.choose_acting_organisation(request, organisation):
        raise PermissionDenied
    messages.success(request, _("You now act for %(name)s.") % {"name": organisation.name})
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("associations:mine")


@login_required
@require_GET
def detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.prefetch_related("sectors"), pk=pk)
    if not roles.can_see_organisation(request.user, organisation):
        raise Http404  # the same answer as for an organisation that does not exist
    is_staff = roles.is_staff_member(request.user)
    if is_staff and not roles.is_applicant_of(request.user, organisation):
        audit(actor=request.user, action="associations.contact.viewed", target=organisation)
    manage = roles.can_manage_members(request.user, organisation)
    context = {
        "organisation": organisation,
        "members": selectors.organisation_members(organisation),
        "invitations": organisation.invitations.pending() if manage else [],
        "can_manage": manage and organisation.is_verified,
        "is_admin": organisation.memberships.filter(
            user=request.user, role=Membership.Role.ADMIN
        ).exists(),
        "form": InvitationForm(),
        "listing": selectors.listing_of(organisation),
    }
    return render(request, "associations/detail.html", context)


@login_required
@require_POST
def invite(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    if not roles.can_manage_members(request.user, organisation):
        raise PermissionDenied
    form = InvitationForm(request.POST)
    if form.is_valid():
        services.invitation_create(organisation=organisation, by=request.user, **form.cleaned_data)
        messages.success(
            request,
            _("The invitation is on its way to %(email)s.") % {"email": form.cleaned_data["email"]},
        )
        return redirect("associations:detail", pk=organisation.pk)
    context = {
        "organisation": organisation,
        "members": selectors.organisation_members(organisation),
        "invitations": organisation.invitations.pending(),
        "can_manage": True,
        "is_admin": True,
        "form": form,
    }
    return render(request, "associations/detail.html", context, status=400)


@login_required
@require_POST
def revoke(request: AuthenticatedRequest, pk: int, invitation_pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_pk, organisation_id=pk)
    if not roles.can_manage_members(request.user, invitation.organisation):
        raise PermissionDenied
    services.invitation_revoke(invitation=invitation, by=request.user)
    messages.success(request, _("The invitation is withdrawn."))
    return redirect("associations:detail", pk=pk)


@login_required
@require_POST
def remove_member(request: AuthenticatedRequest, pk: int, membership_pk: int) -> HttpResponse:
    membership = get_object_or_404(
        Membership.objects.select_related("organisation", "user"),
        pk=membership_pk,
        organisation_id=pk,
    )
    leaving = membership.user_id == request.user.pk
    if not leaving and not roles.can_manage_members(request.user, membership.organisation):
        raise PermissionDenied
    services.membership_remove(membership=membership, by=request.user)
    if leaving:
        messages.success(request, _("You left %(name)s.") % {"name": membership.organisation})
        return redirect("associations:mine")
    messages.success(request, _("The member is removed."))
    return redirect("associations:detail", pk=pk)


@login_required
@require_POST
def reapply(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    services.organisation_reapply(organisation=organisation, by=request.user)
    messages.success(request, _("Your application is back in the city staff's queue."))
    return redirect("associations:detail", pk=pk)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation e-mail: sign in (or sign up) with the invited address,
    then accept."""
    found = Invitation.objects.select_related("organisation").filter(token=token).first()
    if found is None or not found.is_pending:
        return render(request, "associations/invitation_invalid.html", status=404)
    if request.method == "POST" and request.user.is_authenticated:
        services.invitation_accept(invitation=found, user=request.user)
        selectors.choose_acting_organisation(request, found.organisation)
        messages.success(request, _("Welcome to %(name)s.") % {"name": found.organisation.name})
        return redirect("associations:detail", pk=found.organisation_id)
    return render(request, "associations/invitation.html", {"invitation": found})


@staff_required
@require_GET
def staff_queue(request: AuthenticatedRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None, filters=("district", "age"))
    queue = apply_filters(
        selectors.verification_queue().select_related("applied_by"),
        form,
        paths=selectors.ORGANISATION_FILTER_PATHS,
    )
    context = {
        "filters": form,
        "queue": attach_claims(page_from_request(queue, request.GET, keys=QUEUE_KEYS)),
        "refused": Organisation.objects.filter(
            verified_at__isnull=True, refused_at__isnull=False
        ).order_by("-refused_at")[:20],
    }
    return render(request, "associations/staff/queue.html", context)


@staff_required
@require_GET
def staff_verified(request: AuthenticatedRequest) -> HttpResponse:
    """Verified organisations, to reach one (its accreditation for minors, its needs)."""
    verified = Organisation.objects.verified().select_related("minors_accredited_by")
    return render(request, "associations/staff/verified.html", {"verified": verified})


@staff_required
@require_GET
def staff_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.prefetch_related("sectors"), pk=pk)
    audit(actor=request.user, action="associations.contact.viewed", target=organisation)
    return render(
        request,
        "associations/staff/review.html",
        {
            "organisation": organisation,
            "refusal_form": RefusalForm(),
            "withdraw_form": AccreditationWithdrawalForm(),
            "claim": claim_on(organisation),
        },
    )


@staff_required
@require_POST
def staff_verify(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    services.organisation_verify(organisation=organisation, by=request.user)
    messages.success(request, _("%(name)s is verified.") % {"name": organisation.name})
    return redirect("associations-staff:queue")


@staff_required
@require_POST
def staff_refuse(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.prefetch_related("sectors"), pk=pk)
    form = RefusalForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "associations/staff/review.html",
            {
                "organisation": organisation,
                "refusal_form": form,
                "withdraw_form": AccreditationWithdrawalForm(),
            },
            status=400,
        )
    services.organisation_refuse(
        organisation=organisation, by=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(
        request, _("The application of %(name)s is refused.") % {"name": organisation.name}
    )
    return redirect("associations-staff:queue")


@login_required
@require_http_methods(["GET", "POST"])
def listing(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The admins choose what their organisation shows on the "Find help" page."""
    organisation = get_object_or_404(Organisation, pk=pk)
    if not roles.is_admin_of(request.user, organisation):
        raise PermissionDenied
    current = selectors.listing_of(organisation)
    form = ListingForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.listing_update(organisation=organisation, by=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Your public page is saved."))
            return redirect("associations:detail", pk=organisation.pk)
    context = {"organisation": organisation, "form": form}
    return render(request, "associations/listing.html", context, status=400 if form.errors else 200)


@require_GET
def find_help(request: HttpRequest) -> HttpResponse:
    """Public: the verified organisations that opted in, each once with its districts,
    filtered by district and kind of help, with the city's phone line and counter.
    Printable as a one-page flyer (filter by district first for a district's desk)."""
    filters = FindHelpFilterForm(request.GET or None)
    sector, kind = None, ""
    if filters.is_valid():
        sector, kind = filters.cleaned_data["sector"], filters.cleaned_data["kind"]
    listings = selectors.find_help(sector=sector, kind=kind)
    context = {
        "filters": filters,
        "listings": listings,
        "chosen_sector": sector,
        "chosen_kind": dict(PublicListing.Help.choices).get(kind, ""),
    }
    return render(request, "associations/find_help.html", context)


@staff_required
@require_POST
def staff_accredit_minors(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    services.organisation_accredit_for_minors(organisation=organisation, by=request.user)
    messages.success(
        request,
        _("%(name)s is now accredited for the care of minors.") % {"name": organisation.name},
    )
    return redirect("associations-staff:review", pk=pk)


@staff_required
@require_POST
def staff_withdraw_minors(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    form = AccreditationWithdrawalForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.organisation_withdraw_minors_accreditation(
        organisation=organisation, by=request.user, reason=reason
    )
    messages.success(
        request,
        _("%(name)s is no longer accredited for the care of minors.") % {"name": organisation.name},
    )
    return redirect("associations-staff:review", pk=pk)
