"""Role checks adapted to views and the API. The rules themselves are in ``accounts.roles``."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts import roles


class IsStaffMember(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_staff_member(request.user)


class IsCoordinator(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_coordinator(request.user)


class StaffRequiredMixin(AccessMixin):
    """A page for city staff: visitors are sent to sign in, others get a 403."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not roles.is_staff_member(request.user):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A page for city staff: visitors are sent to sign in, others get a 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not roles.is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
