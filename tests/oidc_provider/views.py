"""The test-only control endpoint: change someone's groups, register a redirect address,
make the next ID tokens faulty. It answers only with the secret of this run."""

from __future__ import annotations

import hmac
import json
import os

from django.contrib.auth.models import Group, User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_application_model

from tests.oidc_provider.validator import FAULT


@csrf_exempt
@require_POST
def control(request: HttpRequest) -> HttpResponse:
    secret = os.environ["OIDC_TEST_CONTROL_SECRET"]
    if not hmac.compare_digest(request.headers.get("X-Control-Secret", ""), secret):
        return HttpResponse(status=403)
    order = json.loads(request.body)
    if "groups" in order:
        user = User.objects.get(username=order["username"])
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in order["groups"]])
    if "redirect_uri" in order:
        application = get_application_model().objects.get(client_id=order["client_id"])
        uris = set(application.redirect_uris.split())
        uris.add(order["redirect_uri"])
        application.redirect_uris = " ".join(sorted(uris))
        application.save(update_fields=["redirect_uris"])
    if "fault" in order:
        FAULT["mode"] = order["fault"]
    return JsonResponse({"ok": True})
