"""``/api/v1/matches/`` and ``/api/v1/matching/``: the same workflow as the pages.

Both sides list and answer the proposals made to them and, once both accepted, read the
other's contact (audited); staff read suggestions, propose, cancel and start batch runs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.http import BIGINT_MAX, account, object_or_404, parse_id
from core.permissions import IsStaffMember
from core.rest.errors import Unprocessable
from core.rest.filters import StrictFilterSet
from core.rest.lists import RowListMixin
from core.rest.serializers import (
    ModelSerializer,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
    read_body,
)
from core.text import REASON_MAX_LENGTH
from matching import retrieval, services, tasks
from matching.access import visible_matches
from matching.engine.scoring import Score
from matching.models import Match
from needs.models import Need
from offers.models import Offer

_UNREAD = object()


class MatchSerializer(ModelSerializer):
    """A match as its sides and staff read it: facts and status, never a contact."""

    reasons = serializers.SerializerMethodField()
    declined_by = serializers.ChoiceField(
        choices=Match.Side.choices,
        allow_blank=True,
        read_only=True,
        help_text="Who declined; empty unless the proposal was declined.",
    )
    outcome = serializers.ChoiceField(
        choices=Match.Outcome.choices,
        allow_blank=True,
        read_only=True,
        help_text="How it went; empty unless the match is completed and its end said so.",
    )
    ended_by = serializers.ChoiceField(
        choices=Match.Side.choices,
        allow_blank=True,
        read_only=True,
        help_text="Who recorded the end; empty unless the match is completed.",
    )
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
        reference = getattr(match, "need_reference", _UNREAD)
        if reference is _UNREAD:  # a match read without the list's annotation
            reference = match.need.internal_reference
        return str(reference) if reference else None


class ProposeSerializer(serializers.Serializer):
    need = StrictPrimaryKeyRelatedField(queryset=Need.objects.all())
    offer = StrictPrimaryKeyRelatedField(queryset=Offer.objects.all())
    units = StrictIntegerField(min_value=1, required=False)


class MatchReasonSerializer(serializers.Serializer):
    reason = StrictCharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default=""
    )


class MatchFilter(StrictFilterSet):
    class Meta:
        model = Match
        fields = ["status", "need", "offer"]


class MatchAnswerSerializer(serializers.Serializer):
    side = serializers.ChoiceField(
        choices=[Match.Side.RESIDENT, Match.Side.ASSOCIATION],
        required=False,
        help_text="Staff answering for a side without an account: which side.",
    )
    consent = StrictBooleanField(
        default=False, help_text="Staff answering for someone: the person agreed."
    )
    reason = StrictCharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH)


class MatchCompleteSerializer(serializers.Serializer):
    ended_on = StrictDateField(required=False)
    outcome = serializers.ChoiceField(
        choices=[("", ""), *Match.Outcome.choices], required=False, allow_blank=True
    )
    still_needed = StrictBooleanField(required=False, allow_null=True, default=None)


_Contact = inline_serializer(
    "MatchContact",
    {
        "name": StrictCharField(),
        "phone": StrictCharField(),
        "email": StrictCharField(),
        "street_address": StrictCharField(required=False),
        "postcode": StrictCharField(required=False),
    },
)


def _reason(request: Request) -> str:
    return str(read_body(request, MatchReasonSerializer).validated_data["reason"])


class MatchViewSet(
    RowListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Proposals and matches: yours (a resident's offers, your organisations' needs) or,
    for staff, all. Filter with ``status``."""

    serializer_class = MatchSerializer
    ordering = "-id"
    filterset_class = MatchFilter

    row_columns = ("criteria", "shows_reference", "need_reference")  # what its methods read

    def get_queryset(self) -> QuerySet[Match]:
        if getattr(self, "swagger_fake_view", False):
            return Match.objects.none()
        # The need's reference is the one column of the need the answer may show.
        return visible_matches(self.request.user).annotate(
            need_reference=F("need__internal_reference")
        )

    def _respond(self, match: Match, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=match.pk).first() or match
        return Response(MatchSerializer(fresh).data, status=code)

    @extend_schema(request=ProposeSerializer, responses={201: MatchSerializer})
    def create(self, request: Request) -> Response:
        """Propose a pair (staff): both sides are told; the units are held."""
        if not IsStaffMember().has_permission(request, self):
            raise PermissionDenied("Only city staff propose matches.")
        data = read_body(request, ProposeSerializer)
        need, offer = data.validated_data["need"], data.validated_data["offer"]
        scored = retrieval.scored_pair(need, offer)
        match = services.match_propose(
            need=need, offer=offer, by=account(request), units=data.validated_data.get("units"),
            score=scored.total if scored else 0, criteria=scored.criteria if scored else [],
        )  # fmt: skip
        return self._respond(match, status.HTTP_201_CREATED)

    @extend_schema(request=MatchAnswerSerializer, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Say yes. Staff answering for a side without an account give ``side`` and
        ``consent: true`` (the person agreed, on the phone or at the counter)."""
        data = read_body(request, MatchAnswerSerializer)
        match = services.match_accept(
            match=self.get_object(), by=account(request),
            side=data.validated_data.get("side"), consent=data.validated_data["consent"],
        )  # fmt: skip
        return self._respond(match)

    @extend_schema(request=MatchAnswerSerializer, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        data = read_body(request, MatchAnswerSerializer)
        match = services.match_decline(
            match=self.get_object(), by=account(request),
            reason=data.validated_data.get("reason", ""), side=data.validated_data.get("side"),
        )  # fmt: skip
        return self._respond(match)

    @extend_schema(request=MatchCompleteSerializer, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Record that the stay or the help is over (either side or staff): ``ended_on``
        (default today), ``outcome`` (``went_well``, ``ended_early``, ``broke_down``) and,
        for the association or staff, ``still_needed``."""
        data = read_body(request, MatchCompleteSerializer)
        match = services.match_complete(
            match=self.get_object(), by=account(request),
            ended_on=data.validated_data.get("ended_on"),
            outcome=data.validated_data.get("outcome", ""),
            still_needed=data.validated_data.get("still_needed"),
        )  # fmt: skip
        return self._respond(match)

    @extend_schema(request=MatchReasonSerializer, responses=MatchSerializer)
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
        "need": StrictIntegerField(),
        "offer": StrictIntegerField(),
        "score": serializers.FloatField(),
        "reasons": serializers.ListField(child=StrictCharField()),
    },
    many=True,
)


_ID = {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX}
_LIMIT = {"type": "integer", "minimum": 1, "maximum": 100}


class SuggestionsView(APIView):
    """The best offers for one need (``?need=``) or the best needs for one offer
    (``?offer=``), each with why (staff). One of the two is required: without either, a
    422 (a rule across parameters that the schema cannot say)."""

    permission_classes = [IsStaffMember]
    looks_up_ids = True  # documents the 404 of an id nobody may see

    @extend_schema(
        parameters=[
            OpenApiParameter("need", _ID, required=False, description="A need's id."),
            OpenApiParameter("offer", _ID, required=False, description="An offer's id."),
            OpenApiParameter("limit", _LIMIT, required=False, description="How many (default 10)."),
        ],
        responses=_Suggestion,
    )
    def get(self, request: Request) -> Response:
        limit = _limit(request)
        if "need" in request.query_params:
            need = object_or_404(Need, _id(request, "need"))
            ranked = retrieval.ranked_offers(need, limit)  # ids are all the answer shows
            rows = [_row(need.pk, pk, total, scored) for pk, total, scored in ranked]
        elif "offer" in request.query_params:
            offer = object_or_404(Offer, _id(request, "offer"))
            found = retrieval.suggestions_for_offer(offer, limit)
            rows = [_row(s.subject.pk, offer.pk, s.total, s.scored) for s in found]
        else:
            raise Unprocessable("Give ?need= or ?offer=.")
        return Response(rows)


def _id(request: Request, name: str) -> str:
    value = request.query_params.get(name, "")
    if parse_id(value) is None:
        raise ValidationError({name: "A whole number (an id) is expected."})
    return value


def _limit(request: Request) -> int | None:
    value = request.query_params.get("limit")
    if value is None:
        return None
    number = parse_id(value)
    if number is None or not 1 <= number <= 100:
        raise ValidationError({"limit": "A whole number from 1 to 100."})
    return number


def _row(need: int, offer: int, total: float, scored: Score) -> dict[str, Any]:
    return {"need": need, "offer": offer, "score": round(total, 3),
            "reasons": retrieval.reasons_of(scored)}  # fmt: skip


class BatchRunView(APIView):
    """Start a city-wide batch run (staff); its results become suggestions."""

    permission_classes = [IsStaffMember]

    @extend_schema(request=None, responses={202: inline_serializer("BatchStarted", {})})
    def post(self, request: Request) -> Response:
        tasks.run_batch.delay(started_by=account(request).pk)
        return Response({}, status=status.HTTP_202_ACCEPTED)
