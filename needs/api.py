"""Needs in the API: the same scoping and the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import roles
from accounts.models import Organisation
from core.audit import audit
from core.http import account
from core.models import Category, Sector
from core.rest.filters import StrictFilterSet
from core.rest.lists import RowListMixin
from core.rest.representation import Row
from core.rest.serializers import ModelSerializer, StrictCharField, StrictPrimaryKeyRelatedField
from core.vocabulary import SPOKEN_LANGUAGES, HouseholdType
from needs import selectors, services
from needs.models import Need


class NeedSerializer(ModelSerializer):
    """A need. ``internal_reference`` is present only for the need's own organisation."""

    organisation = StrictPrimaryKeyRelatedField(
        queryset=Organisation.objects.verified(), required=False, allow_null=True
    )
    category = StrictPrimaryKeyRelatedField(
        queryset=Category.objects.active(), required=False, allow_null=True
    )
    sectors = StrictPrimaryKeyRelatedField(queryset=Sector.objects.all(), many=True, required=False)
    languages = serializers.ListField(
        child=serializers.ChoiceField(SPOKEN_LANGUAGES), required=False
    )
    housing_types = serializers.ListField(
        child=serializers.ChoiceField(Need.HousingType.choices), required=False
    )
    household_type = serializers.ChoiceField(
        [("", "—"), *HouseholdType.choices], required=False, allow_blank=True
    )
    note_flags = serializers.ListField(child=StrictCharField(), read_only=True)
    internal_reference = StrictCharField(required=False, allow_blank=True, max_length=60)

    class Meta:
        model = Need
        fields = [
            "id",
            "kind",
            "category",
            "organisation",
            "origin",
            "status",
            "urgency",
            "adults",
            "children",
            "household_size",
            "household_type",
            "languages",
            "step_free_access",
            "no_pets",
            "accessibility",
            "housing_types",
            "quantity",
            "sizes",
            "wanted_from",
            "wanted_until",
            "sectors",
            "max_distance_km",
            "note",
            "note_flags",
            "internal_reference",
            "created_at",
            "updated_at",
            "opened_at",
        ]
        read_only_fields = ["status", "household_size", "created_at", "updated_at", "opened_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | QuerySet):
            fields["kind"].read_only = True
            fields["organisation"].read_only = True
            fields["origin"].read_only = True
        return fields

    def to_representation(self, need: Need) -> dict[str, Any]:
        data = super().to_representation(need)
        readable = self.context.get("reference_readable")
        if readable is None or not readable(need.organisation_id):
            data.pop("internal_reference", None)
        return data


def _audit_flagged_reads(request: Request, data: Any) -> None:
    rows = data.get("results", [data]) if isinstance(data, dict) else []
    with_flags = [row for row in rows if isinstance(row, dict) and row.get("note_flags")]
    if not with_flags:  # the usual case: no query for the reader's memberships
        return
    own = {membership.organisation_id for membership in roles.active_memberships(request.user)}
    flagged = [row["id"] for row in with_flags if row.get("organisation") not in own]
    if len(flagged) == 1 and "results" not in data:
        audit(actor=request.user, action="needs.note.viewed", target=Need(pk=flagged[0]))
    elif flagged:
        audit(actor=request.user, action="needs.note.listed", detail={"needs": flagged})


class NeedFilter(StrictFilterSet):
    class Meta:
        model = Need
        fields = ["kind", "category", "status", "urgency", "organisation"]


class NeedViewSet(
    RowListMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Needs: an association member sees the needs of their organisations, city staff all.

    Creating one makes a draft; ``publish`` opens it. City staff create needs for an
    organisation (``origin=staff_for_association``) or met at a counter (``counter``).
    """

    serializer_class = NeedSerializer
    filterset_class = NeedFilter
    ordering = "-id"
    http_method_names = ["get", "post", "patch", "head", "options"]

    row_columns = ("organisation_id",)  # to_representation reads it

    def complete_rows(self, rows: list[Row]) -> None:
        sectors: dict[int, list[int]] = {row["id"]: [] for row in rows}
        through = Need.sectors.through.objects.filter(need_id__in=list(sectors))
        for need_id, sector_id in through.order_by("pk").values_list("need_id", "sector_id"):
            sectors[need_id].append(sector_id)
        for row in rows:
            row["sectors"] = sectors[row["id"]]

    def get_queryset(self) -> QuerySet[Need]:
        if getattr(self, "swagger_fake_view", False):
            return Need.objects.none()
        # The answer names the organisation, the category and the districts by id only:
        # no join to load them, and the districts' ids alone.
        return (
            selectors.needs_visible_to(self.request.user)
            .select_related(None)
            .prefetch_related(None)
            .prefetch_related(Prefetch("sectors", queryset=Sector.objects.only("pk")))
        )

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        """City staff reading a flagged need's texts through any operation (a need, a list,
        the answer to a change) is a look at what may be personal data: one audit entry."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code < 300 and roles.is_staff_member(request.user):
            _audit_flagged_reads(request, response.data)
        return response

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not getattr(self, "swagger_fake_view", False):
            context["reference_readable"] = roles.internal_reference_access(self.request.user)
        return context

    def perform_create(self, serializer: serializers.BaseSerializer[Need]) -> None:
        data = dict(serializer.validated_data)
        sectors = data.pop("sectors", [])
        serializer.instance = services.need_create(
            by=account(self.request),
            kind=data.pop("kind"),
            organisation=data.pop("organisation", None),
            origin=data.pop("origin", Need.Origin.ASSOCIATION),
            sectors=sectors,
            **data,
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Need]) -> None:
        data = dict(serializer.validated_data)
        sectors = data.pop("sectors", None)
        assert serializer.instance is not None
        serializer.instance = services.need_update(
            need=serializer.instance, by=account(self.request), sectors=sectors, **data
        )

    def _act(self, service: Any) -> Response:
        need = service(need=self.get_object(), by=account(self.request))
        return Response(self.get_serializer(need).data)

    @extend_schema(request=None, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self._act(services.need_publish)

    @extend_schema(request=None, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._act(services.need_close)

    @extend_schema(request=None, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def fulfil(self, request: Request, pk: str | None = None) -> Response:
        return self._act(services.need_mark_fulfilled)

    @extend_schema(request=None, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        return self._act(services.need_cancel)

    @extend_schema(request=None, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._act(services.need_reopen)
