"""Organisations in the API: apply, read your own, and (staff) verify or refuse."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import roles
from accounts.models import Organisation
from accounts.validators import validate_registration_number
from associations import selectors, services
from core.audit import audit
from core.http import account
from core.models import Sector
from core.permissions import IsStaffMember
from core.rest.serializers import (
    ModelSerializer,
    StrictBooleanField,
    StrictCharField,
    StrictPrimaryKeyRelatedField,
)


class OrganisationSerializer(ModelSerializer):
    sectors = StrictPrimaryKeyRelatedField(queryset=Sector.objects.all(), many=True, required=False)
    is_verified = StrictBooleanField(read_only=True)
    is_refused = StrictBooleanField(read_only=True)
    registration_number = StrictCharField(
        required=False, allow_blank=True, validators=[validate_registration_number]
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "kind",
            "registration_number",
            "description",
            "sectors",
            "contact_name",
            "contact_email",
            "contact_phone",
            "is_verified",
            "is_refused",
            "refusal_reason",
            "verified_at",
            "created_at",
        ]
        read_only_fields = ["refusal_reason", "verified_at", "created_at"]
        extra_kwargs = {
            "description": {"required": True, "allow_blank": False},
            "contact_name": {"required": True, "allow_blank": False},
            "contact_email": {"required": True, "allow_blank": False},
        }


class OrganisationSummarySerializer(OrganisationSerializer):
    """In lists: no contact details (reading one is a look at contact data, audited)."""

    class Meta(OrganisationSerializer.Meta):
        fields = [
            name
            for name in OrganisationSerializer.Meta.fields
            if name not in {"contact_name", "contact_email", "contact_phone"}
        ]


class RefusalSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=1000)


class OrganisationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Organisations: yours (every one you belong to), or all of them for city staff.

    Creating one is applying: you become its first admin and city staff verify it.
    """

    serializer_class = OrganisationSerializer
    ordering = "-id"

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Organisation]]:
        if self.action == "list":
            return OrganisationSummarySerializer
        return OrganisationSerializer

    def get_queryset(self) -> QuerySet[Organisation]:
        if getattr(self, "swagger_fake_view", False):
            return Organisation.objects.none()
        return selectors.organisations_visible_to(self.request.user)

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        organisation = self.get_object()
        if roles.is_staff_member(request.user) and not roles.is_applicant_of(
            request.user, organisation
        ):
            audit(actor=request.user, action="associations.contact.viewed", target=organisation)
        return Response(self.get_serializer(organisation).data)

    def perform_create(self, serializer: serializers.BaseSerializer[Organisation]) -> None:
        serializer.instance = services.organisation_apply(
            by=account(self.request), **serializer.validated_data
        )

    @extend_schema(request=None, responses=OrganisationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaffMember])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        organisation = services.organisation_verify(
            organisation=self.get_object(), by=account(request)
        )
        return Response(OrganisationSerializer(organisation).data)

    @extend_schema(request=RefusalSerializer, responses=OrganisationSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaffMember])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        serializer = RefusalSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.organisation_refuse(
            organisation=self.get_object(),
            by=account(request),
            reason=serializer.validated_data["reason"],
        )
        return Response(OrganisationSerializer(organisation).data)
