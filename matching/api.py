"""``/api/v1/matches/`` and ``/api/v1/matching/``: the same workflow as the pages.

Both sides list and answer the proposals made to them and, once both accepted, read the
other's contact (audited); staff read suggestions, propose, cancel and start batch runs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import account
from core.permissions import IsStaffMember
from matching import retrieval, services, tasks
from matching.access import visible_matches
from matching.models import Match
from needs.models import Need
from offers.models import Offer


class MatchSerializer(serializers.ModelSerializer):
    """A match as its sides and staff read it: facts and status, never a contact."""

    reasons = serializers.SerializerMethodField()
    need_internal_reference = serializers.SerializerMethodField(
        help_text="The association's own reference for the need: to its members only."
    )

    class Meta:
        model = Match
        fields = [
            "id", "need", "need_internal_reference", "offer", "units", "status", "score",
            "reasons", "proposed_at", "answer_due", "resident_accepted_at",
            "association_accepted_at", "confirmed_at", "completed_at", "ended_on", "outcome",
            "ended_by", "declined_by",
        ]  # fmt: skip
        read_only_fields = fields

    def get_reasons(self, match: Match) -> list[str]:
        return retrieval.stored_reasons(match.criteria)

    def get_need_internal_reference(self, match: Match) -> str | None:
        if not getattr(match, "shows_reference", False):
            return None
        return match.need.internal_reference or None


class ProposeSerializer(serializers.Serializer):
    need = serializers.PrimaryKeyRelatedField(queryset=Need.objects.all())
    offer = serializers.PrimaryKeyRelatedField(queryset=Offer.objects.all())
    units = serializers.IntegerField(min_value=1, required=False)


_Reason = inline_serializer("MatchReason", {"reason": serializers.CharField(required=False)})


class _AnswerSerializer(serializers.Serializer):
    side = serializers.ChoiceField(
        choices=[Match.Side.RESIDENT, Match.Side.ASSOCIATION], required=False
    )
    consent = serializers.BooleanField(default=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


_Answer = _AnswerSerializer


class _CompleteSerializer(serializers.Serializer):
    ended_on = serializers.DateField(required=False)
    outcome = serializers.ChoiceField(
        choices=[("", ""), *Match.Outcome.choices], required=False, allow_blank=True
    )
    still_needed = serializers.BooleanField(required=False, allow_null=True, default=None)


_Contact = inline_serializer(
    "MatchContact",
    {
        "name": serializers.CharField(),
        "phone": serializers.CharField(),
        "email": serializers.CharField(),
        "street_address": serializers.CharField(required=False),
        "postcode": serializers.CharField(required=False),
    },
)


def _reason(request: Request) -> str:
    return str(request.data.get("reason", "")) if isinstance(request.data, dict) else ""


class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Proposals and matches: yours (a resident's offers, your organisations' needs) or,
    for staff, all. Filter with ``status``."""

    serializer_class = MatchSerializer
    ordering = "-id"
    filterset_fields = ["status", "need", "offer"]

    def get_queryset(self) -> QuerySet[Match]:
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        return visible_matches(self.request.user).select_related("need")

    def _respond(self, match: Match, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=match.pk).first() or match
        return Response(MatchSerializer(fresh).data, status=code)

    @extend_schema(request=ProposeSerializer, responses={201: MatchSerializer})
    def create(self, request: Request) -> Response:
        """Propose a pair (staff): both sides are told; the units are held."""
        if not IsStaffMember().has_permission(request, self):
            raise PermissionDenied("Only city staff propose matches.")
        data = ProposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        need, offer = data.validated_data["need"], data.validated_data["offer"]
        scored = retrieval.scored_pair(need, offer)
        match = services.match_propose(
            need=need, offer=offer, by=account(request), units=data.validated_data.get("units"),
            score=scored.total if scored else 0, criteria=scored.criteria if scored else [],
        )  # fmt: skip
        return self._respond(match, status.HTTP_201_CREATED)

    @extend_schema(request=_Answer, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Say yes. Staff answering for a side without an account give ``side`` and
        ``consent: true`` (the person agreed, on the phone or at the counter)."""
        data = _AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = services.match_accept(
            match=self.get_object(), by=account(request),
            side=data.validated_data.get("side"), consent=data.validated_data["consent"],
        )  # fmt: skip
        return self._respond(match)

    @extend_schema(request=_Answer, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        data = _AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = services.match_decline(
            match=self.get_object(), by=account(request), reason=_reason(request),
            side=data.validated_data.get("side"),
        )  # fmt: skip
        return self._respond(match)

    @extend_schema(request=_CompleteSerializer, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Record that the stay or the help is over (either side or staff): ``ended_on``
        (default today), ``outcome`` (``went_well``, ``ended_early``, ``broke_down``) and,
        for the association or staff, ``still_needed``."""
        data = _CompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        match = services.match_complete(
            match=self.get_object(), by=account(request),
            ended_on=data.validated_data.get("ended_on"),
            outcome=data.validated_data.get("outcome", ""),
            still_needed=data.validated_data.get("still_needed"),
        )  # fmt: skip
        return self._respond(match)

    @extend_schema(request=_Reason, responses=MatchSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsStaffMember])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        match = services.match_cancel(
            match=self.get_object(), by=account(request), reason=_reason(request)
        )
        return self._respond(match)

    @extend_schema(responses=_Contact)
    @action(detail=True, methods=["get"])
    def contact(self, request: Request, pk: str | None = None) -> Response:
        """The other side's contact, once both accepted. Each call is audited."""
        try:
            return Response(services.match_contact(match=self.get_object(), by=account(request)))
        except PermissionError as error:
            raise PermissionDenied(str(error)) from error


_Suggestion = inline_serializer(
    "MatchingSuggestion",
    {
        "need": serializers.IntegerField(),
        "offer": serializers.IntegerField(),
        "score": serializers.FloatField(),
        "reasons": serializers.ListField(child=serializers.CharField()),
    },
    many=True,
)


class SuggestionsView(APIView):
    """The best offers for one need (``?need=``) or the best needs for one offer
    (``?offer=``), each with why (staff)."""

    permission_classes = [IsStaffMember]

    @extend_schema(
        parameters=[
            OpenApiParameter("need", int, required=False),
            OpenApiParameter("offer", int, required=False),
            OpenApiParameter("limit", int, required=False),
        ],
        responses=_Suggestion,
    )
    def get(self, request: Request) -> Response:
        limit = _limit(request)
        if "need" in request.query_params:
            need = get_object_or_404(Need, pk=_id(request, "need"))
            found = retrieval.suggestions_for_need(need, limit)
            rows = [_row(need.pk, s.subject.pk, s) for s in found]
        elif "offer" in request.query_params:
            offer = get_object_or_404(Offer, pk=_id(request, "offer"))
            found = retrieval.suggestions_for_offer(offer, limit)
            rows = [_row(s.subject.pk, offer.pk, s) for s in found]
        else:
            raise ValidationError({"need": "Give ?need= or ?offer=."})
        return Response(rows)


def _id(request: Request, name: str) -> int:
    value = request.query_params.get(name, "")
    if not value.isdigit():
        raise ValidationError({name: "A number is expected."})
    return int(value)


def _limit(request: Request) -> int | None:
    value = request.query_params.get("limit")
    if value is None:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 100:
        raise ValidationError({"limit": "Between 1 and 100."})
    return int(value)


def _row(need: int, offer: int, suggestion: Any) -> dict[str, Any]:
    return {"need": need, "offer": offer, "score": round(suggestion.total, 3),
            "reasons": suggestion.reasons}  # fmt: skip


class BatchRunView(APIView):
    """Start a city-wide batch run (staff); its results become suggestions."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=None, responses={202: inline_serializer("BatchStarted", {})})
    def post(self, request: Request) -> Response:
        tasks.run_batch.delay(started_by=account(request).pk)
        return Response({}, status=status.HTTP_202_ACCEPTED)
