"""The notification centre, preferences, message statuses and urgent calls, in the API."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import account
from core.models import Sector
from core.permissions import IsStaffMember
from core.rest.filters import StrictFilterSet
from core.rest.serializers import (
    ModelSerializer,
    StrictBooleanField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
    read_body,
    read_query,
)
from core.vocabulary import SPOKEN_LANGUAGES, HelpKind
from notifications import rendering, selectors, services
from notifications.models import Notification, UrgentCall


class InAppNotificationSerializer(ModelSerializer):
    """The line of the notification centre and its link, in the recipient's language."""

    text = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    def to_representation(self, notification: Notification) -> dict[str, Any]:
        self._rendered = rendering.render(notification)
        return super().to_representation(notification)

    class Meta:
        model = Notification
        fields = ["id", "type", "text", "url", "created_at", "read_at"]

    def get_text(self, notification: Notification) -> str:
        return self._rendered.inapp

    def get_url(self, notification: Notification) -> str:
        return self._rendered.action_url


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your notification centre: the in-app messages addressed to you, newest first."""

    serializer_class = InAppNotificationSerializer
    ordering = "-id"

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        return selectors.inbox(account(self.request)).select_related("recipient")

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        services.notification_mark_read(notification=self.get_object(), user=account(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses=inline_serializer("MarkedRead", {"marked": StrictIntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = services.notifications_mark_all_read(user=account(request))
        return Response({"marked": marked})

    @extend_schema(responses=inline_serializer("UnreadCount", {"unread": StrictIntegerField()}))
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(account(request))})


class PreferenceSerializer(serializers.Serializer):
    email_optional = StrictBooleanField()
    sms = StrictBooleanField()
    urgent_calls = StrictBooleanField()
    urgent_kinds = serializers.ListField(child=serializers.ChoiceField(HelpKind.choices))
    urgent_languages = serializers.ListField(child=serializers.ChoiceField(SPOKEN_LANGUAGES))
    urgent_sectors = StrictPrimaryKeyRelatedField(queryset=Sector.objects.all(), many=True)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        # The same errors, on the same fields, as the preferences page.
        if data["urgent_calls"]:
            errors = {}
            if not data["urgent_kinds"]:
                errors["urgent_kinds"] = [_("Choose at least one kind of help.")]
            if not data["urgent_languages"]:
                errors["urgent_languages"] = [_("Choose at least one language.")]
            if errors:
                # Choices that go together: a rule on the content (a 422), not the schema.
                raise serializers.ValidationError(errors, code="urgent_choices")
        return data


class PreferenceView(APIView):
    """How you want to hear from us, and the urgent calls you opted in to: one object per
    person, read with GET and replaced with POST."""

    serializer_class = PreferenceSerializer

    def _data(self, request: Request) -> dict[str, Any]:
        values = selectors.preference_values(selectors.preference_of(account(request)))
        values["urgent_sectors"] = [sector.pk for sector in values["urgent_sectors"]]  # type: ignore[attr-defined]
        return values

    @extend_schema(responses=PreferenceSerializer)
    def get(self, request: Request) -> Response:
        return Response(self._data(request))

    @extend_schema(request=PreferenceSerializer, responses=PreferenceSerializer)
    def post(self, request: Request) -> Response:
        serializer = read_body(request, PreferenceSerializer)
        services.preference_update(user=account(request), **serializer.validated_data)
        return Response(self._data(request))


class StaffNotificationSerializer(ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "type",
            "channel",
            "recipient",
            "language",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "sent_at",
            "delivered_at",
        ]


class StaffNotificationFilter(StrictFilterSet):
    class Meta:
        model = Notification
        fields = ["status", "channel", "type"]


class StaffNotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Every e-mail and text message with its status (staff only); failed ones can be re-sent."""

    serializer_class = StaffNotificationSerializer
    permission_classes = [IsStaffMember]
    filterset_class = StaffNotificationFilter
    ordering = "-id"

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.exclude(channel="in_app")

    @extend_schema(request=None, responses=StaffNotificationSerializer)
    @action(detail=True, methods=["post"])
    def resend(self, request: Request, pk: str | None = None) -> Response:
        notification = services.notification_resend(
            notification=self.get_object(), by=account(request)
        )
        return Response(StaffNotificationSerializer(notification).data)


class UrgentCallSerializer(ModelSerializer):
    class Meta:
        model = UrgentCall
        fields = ["id", "kind", "sector", "language", "message", "recipients_count", "created_at"]
        read_only_fields = ["recipients_count", "created_at"]


class _QueryPrimaryKey(serializers.PrimaryKeyRelatedField):
    """An id in a query string: ``?sector=`` is a wrong value (400), not "every district"
    (DRF reads an empty optional parameter as absent)."""

    def get_value(self, dictionary: Any) -> Any:
        if dictionary.get(self.field_name, None) == "":
            return ""
        return super().get_value(dictionary)


class AudienceQuerySerializer(serializers.Serializer):
    """Query parameters: text, read by DRF's own (converting) fields."""

    kind = serializers.ChoiceField(HelpKind.choices)
    language = serializers.ChoiceField(SPOKEN_LANGUAGES)
    sector = _QueryPrimaryKey(queryset=Sector.objects.all(), required=False)


class UrgentCallViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Urgent calls (staff only): creating one sends it to everyone who opted in."""

    serializer_class = UrgentCallSerializer
    permission_classes = [IsStaffMember]
    queryset = UrgentCall.objects.all()
    ordering = "-id"

    def perform_create(self, serializer: serializers.BaseSerializer[UrgentCall]) -> None:
        data = serializer.validated_data
        serializer.instance = services.urgent_call_send(
            by=account(self.request),
            message=data["message"],
            kind=data["kind"],
            sector=data.get("sector"),  # may be left out: the whole city
            language=data["language"],
        )

    @extend_schema(
        parameters=[AudienceQuerySerializer],
        responses=inline_serializer("Audience", {"recipients": StrictIntegerField()}),
    )
    @action(detail=False, methods=["get"])
    def audience(self, request: Request) -> Response:
        query = read_query(request, AudienceQuerySerializer)
        count = selectors.urgent_call_audience(
            kind=query.validated_data["kind"],
            sector=query.validated_data.get("sector"),
            language=query.validated_data["language"],
        ).count()
        return Response({"recipients": count})
