"""The shared API: the city's districts and categories (public), and the signed-in
person's own account and token."""

from typing import Any

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from accounts.models import Membership, Organisation, User
from accounts.services import user_revoke_api_token, user_rotate_api_token, user_update_profile
from core.models import Category, Sector
from core.rest.filters import StrictFilterSet
from core.rest.serializers import ModelSerializer, StrictCharField


class SectorSerializer(ModelSerializer):
    class Meta:
        model = Sector
        fields = ["id", "code", "name", "centroid_latitude", "centroid_longitude"]


class SectorViewSet(viewsets.ReadOnlyModelViewSet):
    """The city's districts. Public: they locate nothing but a district."""

    queryset = Sector.objects.all()
    serializer_class = SectorSerializer
    permission_classes = [AllowAny]
    pagination_class = None


class CategorySerializer(ModelSerializer):
    name = StrictCharField(
        source="label", read_only=True, help_text="The name in the request's language."
    )

    class Meta:
        model = Category
        fields = ["id", "kind", "code", "parent", "name", "asks_size", "asks_best_before"]


class CategoryFilter(StrictFilterSet):
    class Meta:
        model = Category
        fields = ["kind"]


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The tree of goods and skills that offers and needs choose from. Public."""

    queryset = Category.objects.active()
    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    pagination_class = None
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CategoryFilter


class MembershipOrganisationSerializer(ModelSerializer):
    is_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "is_verified"]


class MembershipSerializer(ModelSerializer):
    organisation = MembershipOrganisationSerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["organisation", "role"]


class MeSerializer(ModelSerializer):
    roles = serializers.SerializerMethodField()
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "display_name",
            "preferred_language",
            "phone",
            "roles",
            "memberships",
        ]
        read_only_fields = ["id", "email"]

    def get_roles(self, user: User) -> list[str]:
        return sorted(roles.roles_of(user))

    @extend_schema(responses=MembershipSerializer(many=True))
    def get_memberships(self, user: User) -> list[dict[str, Any]]:
        return MembershipSerializer(roles.active_memberships(user), many=True).data  # type: ignore[return-value]


class MeView(APIView):
    """The signed-in person: their details, roles and the organisations they act for."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        user: User = request.user  # type: ignore[assignment]
        serializer = MeSerializer(user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values = {
            "display_name": user.display_name,
            "preferred_language": user.preferred_language,
            "phone": user.phone,
            **serializer.validated_data,
        }
        user_update_profile(user=user, **values)
        return Response(MeSerializer(user).data)


class TokenView(APIView):
    """Your API token: POST creates a new one (the old one stops working), DELETE revokes it.

    Only a digest of the token is stored; it expires at ``expires_at`` and as soon as your
    password changes."""

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "ApiToken",
                {"token": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            )
        },
    )
    def post(self, request: Request) -> Response:
        token, text = user_rotate_api_token(user=request.user)  # type: ignore[arg-type]
        return Response({"token": text, "expires_at": token.expiry}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        user_revoke_api_token(user=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
