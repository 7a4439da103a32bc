from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.forms import ProfileForm
from accounts.http import AuthenticatedRequest
from accounts.i18n import remember_language
from accounts.services import (
    user_api_token,
    user_revoke_api_token,
    user_rotate_api_token,
    user_update_profile,
)


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=user, **form.cleaned_data)
        messages.success(request, _("Your details are saved."))
        response = redirect("accounts:profile")
        remember_language(response, user.preferred_language)
        return response
    context = {
        "form": form,
        "roles": sorted(roles.roles_of(user)),
        "memberships": roles.active_memberships(user),
        "token": user_api_token(user),
        "new_token": request.session.pop("new_api_token", None),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def api_token(request: AuthenticatedRequest) -> HttpResponse:
    if request.POST.get("action") == "revoke":
        user_revoke_api_token(user=request.user)
        messages.success(request, _("Your API token is revoked."))
    else:
        _token, text = user_rotate_api_token(user=request.user)
        # Shown once, on the next page, then forgotten by the session.
        request.session["new_api_token"] = text
    return redirect("accounts:profile")
