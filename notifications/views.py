from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from core.errors import DomainError
from core.http import AuthenticatedRequest
from core.models import Sector
from core.permissions import staff_required
from notifications import rendering, selectors, services, webhook
from notifications.forms import PreferenceForm, StatusFilterForm, UrgentCallForm
from notifications.models import Notification, UrgentCall
from notifications.registry import registry
from notifications.rendering import read_unsubscribe_token


@login_required
@require_GET
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(selectors.inbox(request.user), 20).get_page(request.GET.get("page"))
    items = [(notification, rendering.render(notification)) for notification in page.object_list]
    return render(request, "notifications/inbox.html", {"page": page, "items": items})


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_POST
def mark_read(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.in_app_for(request.user), pk=pk)
    services.notification_mark_read(notification=notification, user=request.user)
    return redirect(_back(request, "notifications:inbox"))


@login_required
@require_POST
def mark_all_read(request: AuthenticatedRequest) -> HttpResponse:
    services.notifications_mark_all_read(user=request.user)
    messages.success(request, _("All your notifications are marked as read."))
    return redirect("notifications:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthenticatedRequest) -> HttpResponse:
    form = PreferenceForm(
        request.POST or None,
        phone=request.user.phone,
        initial=selectors.preference_values(selectors.preference_of(request.user)),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.preference_update(
            user=request.user,
            email_optional=data["email_optional"],
            sms=bool(data.get("sms")),
            urgent_calls=data["urgent_calls"],
            urgent_kinds=data["urgent_kinds"],
            urgent_languages=data["urgent_languages"],
            urgent_sectors=data["urgent_sectors"],
        )
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


@csrf_exempt  # the signed token in the URL is the authorisation (RFC 8058 one-click)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id, type_name = read_unsubscribe_token(token)
        spec = registry.get(type_name)
        user = User.objects.get(pk=user_id, is_active=True)
    except (signing.BadSignature, LookupError, User.DoesNotExist):
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    done = False
    if request.method == "POST":
        services.preference_unsubscribe(user=user, type_name=type_name)
        done = True
    # A GET only asks: link checkers in mail systems open links without a person. The page
    # speaks the language of the person the link was sent to.
    with translation.override(user.preferred_language):
        return render(
            request, "notifications/unsubscribe.html", {"spec": spec, "done": done, "token": token}
        )


@csrf_exempt  # authenticated by the HMAC signature of the provider
@require_POST
def email_webhook(request: HttpRequest) -> HttpResponse:
    """Delivery reports: ``{"message_id": "<...>", "event": "delivered" | "bounced"}``,
    signed with a timestamp and heard once (``notifications.webhook``)."""
    try:
        report = webhook.read_report(
            body=request.body,
            timestamp=request.headers.get("X-Entraide-Timestamp", ""),
            signed=request.headers.get("X-Entraide-Signature", ""),
        )
    except webhook.WebhookRefused as refused:
        return JsonResponse({"detail": refused.detail}, status=refused.status)
    moved = services.notification_record_delivery(
        provider_message_id=report.message_id, event=report.event
    )
    return JsonResponse({"updated": moved})


@staff_required
@require_GET
def staff_statuses(request: AuthenticatedRequest) -> HttpResponse:
    form = StatusFilterForm(request.GET or None)
    rows = Notification.objects.exclude(channel="in_app").select_related("recipient")
    if form.is_valid():
        for name in ("status", "channel", "type"):
            if form.cleaned_data.get(name):
                rows = rows.filter(**{name: form.cleaned_data[name]})
    page = Paginator(rows.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    labels = {t.name: t.label for t in registry}
    for notification in page:
        notification.type_label = labels.get(notification.type, notification.type)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "page": page,
        "counts": selectors.status_counts(),
        "resendable": {Notification.Status.FAILED, Notification.Status.BOUNCED},
    }
    return render(request, "notifications/staff/statuses.html", context)


@staff_required
@require_POST
def staff_resend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk)
    try:
        services.notification_resend(notification=notification, by=request.user)
    except DomainError as error:
        # Not the middleware's redirect: it would lead back to this POST-only address.
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The message is queued to be sent again."))
    return redirect(_back(request, "notifications-staff:statuses"))


def _audience_size(data: dict[str, str]) -> int | None:
    if not (data.get("kind") and data.get("language")):
        return None  # the form's blank choice: ask for one rather than count nobody
    try:
        sector_id = data.get("sector") or None
        sector = Sector.objects.filter(pk=sector_id).first() if sector_id else None
        return selectors.urgent_call_audience(
            kind=str(data["kind"]), sector=sector, language=str(data["language"])
        ).count()
    except (KeyError, ValueError):
        return None


@staff_required
@require_http_methods(["GET", "POST"])
def staff_urgent_calls(request: AuthenticatedRequest) -> HttpResponse:
    form = UrgentCallForm(request.POST or None)
    audience = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        audience = selectors.urgent_call_audience(
            kind=data["kind"], sector=data["sector"], language=data["language"]
        ).count()
        if request.POST.get("action") == "send":
            try:
                call = services.urgent_call_send(by=request.user, **data)
            except DomainError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(
                    request,
                    ngettext(
                        "The urgent call is on its way to %(count)d person.",
                        "The urgent call is on its way to %(count)d people.",
                        call.recipients_count,
                    )
                    % {"count": call.recipients_count},
                )
                return redirect("notifications-staff:urgent-calls")
    context = {
        "form": form,
        "audience": audience,
        "calls": UrgentCall.objects.select_related("author", "sector")[:20],
        "limit": settings.ENTRAIDE_URGENT_CALLS_PER_DAY,
    }
    return render(request, "notifications/staff/urgent_calls.html", context)


@staff_required
@require_GET
def staff_urgent_call_audience(request: AuthenticatedRequest) -> HttpResponse:
    """How many people a call would reach (the form updates it as staff choose)."""
    size = _audience_size(request.GET.dict())
    return render(request, "notifications/staff/_audience.html", {"audience": size})
