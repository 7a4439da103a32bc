from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from accounts.models import Membership, Organisation, User
from accounts.services import user_revoke_api_token, user_rotate_api_token, user_update_profile


class OrganisationSummarySerializer(serializers.ModelSerializer):
    is_verified = serializers.BooleanField(read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "is_verified"]


class MembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["organisation", "role"]


class MeSerializer(serializers.ModelSerializer):
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
    """Your API token: POST creates a new one (the old one stops working), DELETE revokes it."""

    @extend_schema(
        request=None,
        responses={201: inline_serializer("ApiToken", {"token": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        token = user_rotate_api_token(user=request.user)  # type: ignore[arg-type]
        return Response({"token": token.key}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        user_revoke_api_token(user=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)
