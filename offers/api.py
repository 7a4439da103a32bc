"""``/api/v1/offers/``: owners create and manage their offers, city staff moderate them.

The same services as the pages do every write. Lists never carry an exact address or a
contact; the owner reads their own address on their offer, staff through ``contact/``
(audited).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from accounts.validators import validate_phone
from core import reference
from core.http import account
from core.models import Category, Sector
from core.permissions import IsStaffMember
from core.rest.filters import IsoDateFilter, Rfc3339Filter, StrictFilterSet
from core.rest.lists import RowListMixin
from core.rest.serializers import (
    ModelSerializer,
    ReferencePrimaryKeyRelatedField,
    StrictBooleanField,
    StrictCharField,
    StrictDateTimeField,
    StrictEmailField,
    StrictIntegerField,
    read_body,
)
from core.vocabulary import SPOKEN_LANGUAGES, HelpKind, HouseholdType
from offers import access, services
from offers.models import (
    MODERATION_MESSAGE_MAX_LENGTH,
    WEEKLY_SLOTS,
    HostCharter,
    HousingCheck,
    Offer,
)

PUBLIC_FIELDS = [
    "id", "kind", "status", "title", "description", "language", "sector", "housing_type",
    "capacity", "households_at_once", "household_types", "available_from",
    "available_until", "min_stay_nights", "max_stay_nights", "step_free_access",
    "pets_at_home", "contribution_per_month", "languages", "category", "quantity", "sizes",
    "condition", "best_before", "pickup_hours", "language_pairs", "weekly_slots",
    "remote_possible", "hours_per_month", "moderation_message", "origin", "created_at",
    "updated_at", "submitted_at", "published_at", "last_confirmed_at",
]  # fmt: skip
PRIVATE_FIELDS = ["street_address", "postcode"]


class OfferSerializer(ModelSerializer):
    """An offer as its owner or city staff read it, without address or contact."""

    household_types = serializers.ListField(
        child=serializers.ChoiceField(choices=HouseholdType.choices), required=False
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=SPOKEN_LANGUAGES), required=False
    )
    weekly_slots = serializers.ListField(
        child=serializers.ChoiceField(choices=WEEKLY_SLOTS), required=False
    )
    # Resolved from the per-process reference cache: no query per request (core.reference).
    sector = ReferencePrimaryKeyRelatedField(queryset=Sector.objects.all(), lookup=reference.sector)
    category = ReferencePrimaryKeyRelatedField(
        queryset=Category.objects.active(),
        lookup=reference.active_category,
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Offer
        fields = PUBLIC_FIELDS
        read_only_fields = [
            "id", "status", "language", "moderation_message", "origin", "created_at",
            "updated_at", "submitted_at", "published_at", "last_confirmed_at",
        ]  # fmt: skip

    def content(self) -> dict[str, Any]:
        return {k: v for k, v in self.validated_data.items() if k in services.CONTENT_FIELDS}


class OwnOfferSerializer(OfferSerializer):
    """The owner's own offer, with the address they gave (it is theirs)."""

    class Meta(OfferSerializer.Meta):
        fields = PUBLIC_FIELDS + PRIVATE_FIELDS


class OfferCreateSerializer(OwnOfferSerializer):
    kind = serializers.ChoiceField(choices=HelpKind.choices)


class PhoneIntakeSerializer(OfferCreateSerializer):
    caller_name = StrictCharField(max_length=120, required=False, allow_blank=True)
    caller_phone = StrictCharField(
        max_length=30, required=False, allow_blank=True, validators=[validate_phone]
    )
    caller_email = StrictEmailField(required=False, allow_blank=True)
    consent = StrictBooleanField(
        help_text="The caller agreed that the city keeps their contact and offer."
    )
    charter_accepted = serializers.BooleanField(
        default=False,
        help_text="Housing: the host charter in force was read to the caller, who accepts it.",
    )

    class Meta(OwnOfferSerializer.Meta):
        fields = [
            *OwnOfferSerializer.Meta.fields, "caller_name", "caller_phone", "caller_email",
            "consent", "charter_accepted",
        ]  # fmt: skip


class OfferFilter(StrictFilterSet):
    available_on = IsoDateFilter(method="filter_available_on", label="Available on this date")
    created_after = Rfc3339Filter(field_name="created_at", lookup_expr="gte")
    created_before = Rfc3339Filter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Offer
        fields = ["kind", "category", "sector", "status", "housing_type"]

    def filter_available_on(self, queryset: QuerySet[Offer], name: str, value: Any) -> Any:
        return queryset.filter(
            Q(available_from__isnull=True) | Q(available_from__lte=value),
            Q(available_until__isnull=True) | Q(available_until__gte=value),
        )


class OfferReasonSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=MODERATION_MESSAGE_MAX_LENGTH)


class OfferQuestionSerializer(serializers.Serializer):
    question = StrictCharField(max_length=MODERATION_MESSAGE_MAX_LENGTH)


_Contact = inline_serializer(
    "OfferContact",
    {
        "name": StrictCharField(),
        "phone": StrictCharField(),
        "email": StrictCharField(),
        "street_address": StrictCharField(),
        "postcode": StrictCharField(),
    },
)


class HousingCheckSerializer(ModelSerializer):
    class Meta:
        model = HousingCheck
        fields = ["step", "done_on", "note", "done_by", "recorded_at"]
        read_only_fields = ["done_by", "recorded_at"]


class OfferSubmitSerializer(serializers.Serializer):
    accept_charter = StrictBooleanField(
        default=False, help_text="I have read the host charter in force and I accept it."
    )


class HostCharterSerializer(serializers.Serializer):
    version = StrictIntegerField()
    published_at = StrictDateTimeField()
    language = StrictCharField(help_text="The language of the text (French if missing).")
    text = StrictCharField()
    accepted = StrictBooleanField(help_text="Whether you accepted this version.")


class HostCharterView(APIView):
    """The host charter in force, in your language; 404 while none is published."""

    permission_classes = [AllowAny]

    @extend_schema(responses=HostCharterSerializer)
    def get(self, request: Request) -> Response:
        charter = HostCharter.objects.current()
        if charter is None:
            raise NotFound("No host charter is published.")
        language, text = charter.text_in(get_language())
        user = request.user if request.user.is_authenticated else None
        data = {
            "version": charter.version,
            "published_at": charter.published_at,
            "language": language,
            "text": text,
            "accepted": user is not None and services.charter_to_accept(user) is None,
        }
        return Response(HostCharterSerializer(data).data)


class OfferViewSet(
    RowListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Your offers (residents) or every offer (city staff). Filters: kind, category,
    sector, status, housing_type, available_on, created_after, created_before."""

    filterset_class = OfferFilter
    ordering = "-id"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Offer]:
        if getattr(self, "swagger_fake_view", False):
            return Offer.objects.none()
        # The answer names the district and the category by id only: no join to load them.
        return access.visible_offers(self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.action == "create":
            return OfferCreateSerializer
        if self.action == "phone_intake":
            return PhoneIntakeSerializer
        if self.action in ("retrieve", "partial_update", "update") and not roles.is_staff_member(
            self.request.user
        ):
            return OwnOfferSerializer
        return OfferSerializer

    def _owned(self) -> Offer:
        offer = self.get_object()
        if offer.owner_id != self.request.user.pk:
            raise PermissionDenied("Only the offer's owner can do this.")
        return offer

    def _staff(self) -> Offer:
        if not roles.is_staff_member(self.request.user):
            raise PermissionDenied("Only city staff can do this.")
        return self.get_object()

    def _respond(self, offer: Offer) -> Response:
        offer.refresh_from_db()
        return Response(self.get_serializer_class()(offer, context={"request": self.request}).data)

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.offer_create(
            owner=account(self.request),
            kind=serializer.validated_data["kind"],
            data=serializer.content(),
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.offer_update(
            offer=self._owned(), by=account(self.request), data=serializer.content()
        )

    @extend_schema(request=OfferSubmitSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Send the offer for review. A housing offer needs ``accept_charter: true`` while
        its owner has not accepted the host charter in force (``GET /api/v1/host-charter/``)."""
        serializer = read_body(request, OfferSubmitSerializer)
        offer = services.offer_submit(
            offer=self._owned(),
            by=account(request),
            accept_charter=serializer.validated_data["accept_charter"],
        )
        return self._respond(offer)

    @extend_schema(request=None, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        return self._respond(services.offer_pause(offer=self._owned(), by=account(request)))

    @extend_schema(request=None, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str | None = None) -> Response:
        return self._respond(services.offer_resume(offer=self._owned(), by=account(request)))

    @extend_schema(request=None, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._respond(services.offer_close(offer=self._owned(), by=account(request)))

    @extend_schema(request=None, responses=OfferSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-availability")
    def confirm_availability(self, request: Request, pk: str | None = None) -> Response:
        offer = services.offer_confirm_availability(offer=self._owned(), by=account(request))
        return self._respond(offer)

    @extend_schema(request=None, responses=OfferSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaffMember])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._respond(services.offer_approve(offer=self._staff(), by=account(request)))

    @extend_schema(request=OfferReasonSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaffMember])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        reason = read_body(request, OfferReasonSerializer).validated_data["reason"]
        offer = services.offer_reject(offer=self._staff(), by=account(request), reason=reason)
        return self._respond(offer)

    @extend_schema(request=OfferQuestionSerializer, responses=OfferSerializer)
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsStaffMember],
        url_path="request-information",
    )
    def request_information(self, request: Request, pk: str | None = None) -> Response:
        question = read_body(request, OfferQuestionSerializer).validated_data["question"]
        offer = services.offer_request_information(
            offer=self._staff(), by=account(request), question=question
        )
        return self._respond(offer)

    @extend_schema(request=HousingCheckSerializer, responses={201: HousingCheckSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsStaffMember])
    def checks(self, request: Request, pk: str | None = None) -> Response:
        serializer = HousingCheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check = services.housing_check_record(
            offer=self._staff(), by=account(request), **serializer.validated_data
        )
        return Response(HousingCheckSerializer(check).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=_Contact)
    @action(detail=True, methods=["get"], permission_classes=[IsStaffMember])
    def contact(self, request: Request, pk: str | None = None) -> Response:
        """The exact address and the owner's contact. Each call is written to the audit log."""
        contact = services.offer_contact_reveal(offer=self._staff(), by=account(request))
        return Response(contact)

    @extend_schema(request=PhoneIntakeSerializer, responses={201: OfferSerializer})
    @action(
        detail=False, methods=["post"], permission_classes=[IsStaffMember], url_path="phone-intake"
    )
    def phone_intake(self, request: Request) -> Response:
        """An offer told on the city's phone line by someone without an account."""
        serializer = PhoneIntakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        offer = services.offer_take_by_phone(
            by=account(request),
            kind=data["kind"],
            data=serializer.content(),
            caller_name=data.get("caller_name", ""),
            caller_phone=data.get("caller_phone", ""),
            caller_email=data.get("caller_email", ""),
            consent=data["consent"],
            charter_accepted=data["charter_accepted"],
        )
        return Response(OfferSerializer(offer).data, status=status.HTTP_201_CREATED)
