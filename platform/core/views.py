from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import check_for_language
from django.views import i18n
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from accounts.services import user_set_language
from core.health import run_checks
from core.launch import launch_steps
from core.permissions import StaffRequiredMixin
from notifications.digest import digest_sections


class HomeView(TemplateView):
    template_name = "core/home.html"


class StaffHomeView(StaffRequiredMixin, TemplateView):
    """The staff area's entry: links to every staff tool."""

    template_name = "core/staff_home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        # The same queues as the staff's daily digest, counted now.
        queues = [
            {"label": section.label, "count": section.count(), "url": section.url}
            for section in digest_sections()
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
    template_name = "core/privacy.html"


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
    healthy, checks = run_checks()
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
