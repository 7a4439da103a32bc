from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from core import i18n
from core.errors import DomainError
from core.rest.parsers import unreadable


class UserLanguageMiddleware:
    """Speak a signed-in person's preferred language on a device where they never chose one.

    An explicit choice on this device (the language cookie) wins: the switcher also saves
    it as the preference, so the two only differ on a new device.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language != translation.get_language()
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class PartialTranslationMiddleware:
    """A page that is not translated into the language asked for shows in French.

    The languages of the people who arrive are translated on a few public pages only
    (``core.i18n.TRANSLATED_PAGES``); elsewhere a half-translated page would mix two
    languages, so the whole page speaks French and says so, in the language asked for.
    The choice itself (the cookie) is kept: back on a translated page, it speaks it again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = translation.get_language()
        if not i18n.is_full_language(language):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                match = None
            if not i18n.page_is_translated(match, language):
                request.requested_language = language  # type: ignore[attr-defined]
                translation.activate(settings.LANGUAGE_CODE)
                request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)


class DomainErrorMiddleware:
    """A rule that refuses an action on a page becomes a message on that page, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PermissionError):
            # A service refusing someone who is not allowed: the page's 403, not a 500.
            raise PermissionDenied(str(exception)) from exception
        if not isinstance(exception, DomainError):
            return None
        if request.method in {"GET", "HEAD"}:
            # Redirecting a refused GET to itself would loop: show the reason instead.
            return render(request, "400.html", {"reason": exception.message}, status=400)
        messages.error(request, str(exception.message))
        # Back to the page the form was on; the form's own address may accept POST only.
        referer = request.headers.get("Referer", "")
        if url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return HttpResponseRedirect(referer)
        return HttpResponseRedirect(request.get_full_path())


class RejectUnreadableInputMiddleware:
    """A request whose address, query or form holds a character no database column can
    store (NUL, or half of a surrogate pair) is answered 422 before any view reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._refused(request):
            message = _("The request holds a character that cannot be read (NUL).")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "unreadable"}, status=422)
            return render(request, "400.html", {"reason": message}, status=422)
        return self.get_response(request)

    @staticmethod
    def _refused(request: HttpRequest) -> bool:
        if unreadable(request.path):
            return True
        sources = [request.GET, request.POST] if request.method == "POST" else [request.GET]
        for data in sources:
            for key, values in data.lists():
                if unreadable(key) or any(unreadable(value) for value in values):
                    return True
        return False
