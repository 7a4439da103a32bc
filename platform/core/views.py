import hmac
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views import defaults, i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from accounts import roles
from accounts.services import user_set_language
from core.claims import claim_release, claim_take, claimable_model
from core.errors import DomainError
from core.health import run_checks
from core.http import AuthenticatedRequest
from core.launch import launch_steps
from core.permissions import StaffRequiredMixin, staff_required
from core.retention import retention_rules
from core.staff_queues import staff_queues


class HomeView(TemplateView):
    template_name = "core/home.html"


class StaffHomeView(StaffRequiredMixin, TemplateView):
    """The staff area's entry: links to every staff tool."""

    template_name = "core/staff_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The same queues as the staff's daily digest, counted now.
        queues = [
            {"label": section.label, "count": section.count(), "url": section.url}
            for section in staff_queues()
        ]
        return super().get_context_data(queues=queues, **kwargs)


class LaunchGuideView(StaffRequiredMixin, TemplateView):
    """The launch playbook for the team that starts the scheme, with what is done."""

    template_name = "core/launch_guide.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(steps=launch_steps(), **kwargs)


class AccessibilityView(TemplateView):
    template_name = "core/accessibility.html"


class PrivacyView(TemplateView):
    """The privacy notice; its retention periods are the settings the purge reads, given
    by the apps that keep data (``register_retention_source``)."""

    template_name = "core/privacy.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(retention=retention_rules(), **kwargs)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also remembers the choice on the person's account
    (a full language only: the others exist on a few public pages, not in messages)."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and language in dict(settings.ENTRAIDE_FULL_LANGUAGES)
        and check_for_language(language)
    ):
        user_set_language(user=request.user, language=language)
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Up or down for anyone (a load balancer, the container's health check); which check
    failed and why for city staff, or for a monitor that sends the health token."""
    healthy, checks = run_checks()
    body: dict[str, Any] = {"status": "ok" if healthy else "error"}
    if _may_read_health_details(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if healthy else 503)


def _may_read_health_details(request: HttpRequest) -> bool:
    token = settings.ENTRAIDE_HEALTHZ_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return roles.is_staff_member(request.user)


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A 404 in the language of what was asked: JSON under /api/, a page elsewhere."""
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "You do not have permission to do this."}, status=403)
    return defaults.permission_denied(request, exception)  # type: ignore[arg-type]


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)


def _claimed_target(kind: str, pk: int) -> Any:
    model = claimable_model(kind)
    if model is None:
        raise Http404
    return get_object_or_404(model, pk=pk)


def _back(request: HttpRequest) -> HttpResponse:
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("staff-home")
    return HttpResponseRedirect(back)


@staff_required
@require_POST
def claim_take_view(request: AuthenticatedRequest, kind: str, pk: int) -> HttpResponse:
    """An agent takes an item of a staff queue (``core.claims``)."""
    target = _claimed_target(kind, pk)
    try:
        claim_take(target=target, by=request.user)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("You hold it: other agents see that you are on it."))
    return _back(request)


@staff_required
@require_POST
def claim_release_view(request: AuthenticatedRequest, kind: str, pk: int) -> HttpResponse:
    """Its holder, or a coordinator, frees an item."""
    target = _claimed_target(kind, pk)
    if claim_release(target=target, by=request.user):
        messages.success(request, _("Released: another agent can take it."))
    return _back(request)


STAFF_COUNT_CAP = 999


@staff_required
@require_GET
def staff_counts(request: HttpRequest) -> HttpResponse:
    """What waits in every staff queue, for the badge of the staff menu (loaded after the
    page, so that no page pays for it; the staff home lists each queue)."""
    waiting = sum(queue.count() for queue in staff_queues())
    context = {"waiting": min(waiting, STAFF_COUNT_CAP), "capped": waiting > STAFF_COUNT_CAP}
    return render(request, "core/_staff_counts.html", context)
