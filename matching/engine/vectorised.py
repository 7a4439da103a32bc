"""The fast path: the same constraints and scores as ``constraints`` and ``scoring``,
computed with NumPy over many offers at once.

Offers are loaded once into columns, one ``Bucket`` per (kind, category path), so a need
for "children's clothing" only looks at the offers that can serve it. Masks apply the
hard constraints and vector arithmetic the score formulas, term by term, so
``tests/matching/engine/test_vectorised.py`` can demand the same feasible set and the
same scores (to 1e-9: the terms are summed in another order). Offers sit at their
sector's centroid, so distances are computed once per place, and the points that depend
on the offer alone once per (day, weights). Change a rule or a formula in both places.
"""

from __future__ import annotations

import multiprocessing
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from matching.engine.facts import HOUSING, MINOR, Edge, NeedFacts, OfferFacts
from matching.engine.geo import EARTH_RADIUS_KM
from matching.engine.scoring import Weights, languages_points, urgency_points, wanted_period

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
BucketKey = tuple[str, frozenset[int]]

# Open-ended dates and stays become values that no real date or stay reaches.
_NO_START = -(2**40)
_NO_END = 2**40


def _ints(values: Iterable[int]) -> Ints:
    return np.fromiter(values, np.int64)


def _floats(values: Iterable[float]) -> Floats:
    return np.fromiter(values, np.float64)


def _bools(values: Iterable[bool]) -> Bools:
    return np.fromiter(values, np.bool_)


def _flags(
    offers: Sequence[OfferFacts], values_of: Callable[[OfferFacts], Iterable[str]]
) -> dict[str, Bools]:
    """One boolean column per value present, for a set-valued attribute."""
    sets = [frozenset(values_of(offer)) for offer in offers]
    present = sorted(set().union(*sets)) if sets else []
    return {value: _bools(value in s for s in sets) for value in present}


def _ordinal(day: date | None, default: int) -> int:
    return default if day is None else day.toordinal()


def _codes(values: Ints) -> tuple[Ints, Ints]:
    """The distinct values and, for each row, the position of its value among them."""
    distinct, position = np.unique(values, return_inverse=True)
    return distinct, position.astype(np.int64)


def _language_bits(offers: Sequence[OfferFacts]) -> tuple[dict[str, int], npt.NDArray[np.uint64]]:
    """Languages as bits of one integer per offer: shared languages are then a popcount."""
    codes = sorted({code for offer in offers for code in offer.languages})
    if len(codes) > 64:
        raise ValueError("More than 64 languages in one bucket of offers.")
    bit = {code: 1 << i for i, code in enumerate(codes)}
    masks = (sum(bit[code] for code in offer.languages) for offer in offers)
    return bit, np.fromiter(masks, np.uint64, len(offers))


@dataclass(frozen=True, slots=True, eq=False)
class Places:
    """The distinct centroids of a bucket: offers sit at their sector's centroid, so
    distances are computed once per place rather than once per offer."""

    of_row: Ints
    phi: Floats  # latitude in radians
    cos_phi: Floats
    longitude: Floats  # in degrees: the formula converts the difference, as geo does

    @classmethod
    def build(cls, offers: Sequence[OfferFacts]) -> Places:
        points = np.array([(o.latitude, o.longitude) for o in offers], np.float64).reshape(-1, 2)
        distinct, of_row = np.unique(points, axis=0, return_inverse=True)
        phi = np.radians(distinct[:, 0])
        return cls(of_row.reshape(-1).astype(np.int64), phi, np.cos(phi), distinct[:, 1].copy())


@dataclass(frozen=True, slots=True, eq=False)
class Bucket:
    """The offers of one kind and one category path, as columns."""

    kind: str
    ids: Ints
    beds_per_household: Ints
    units: Ints
    household_types: dict[str, Bools]
    housing_types: dict[str, Bools]
    language_bit: dict[str, int]
    languages: npt.NDArray[np.uint64]
    language_required: Bools
    step_free: Bools
    pets: Bools
    available_from: Ints  # day ordinals
    available_until: Ints
    min_stay: Ints
    max_stay: Ints
    sectors: Ints  # distinct sector ids
    sector_of_row: Ints
    places: Places
    waiting_day: Ints
    pending: Ints
    # Points that depend on the offer alone, kept for the last (today, weights) asked.
    _static: dict[tuple[date, Weights], Floats]

    @classmethod
    def build(cls, offers: Sequence[OfferFacts]) -> Bucket:
        language_bit, languages = _language_bits(offers)
        sectors, sector_of_row = _codes(_ints(o.sector_id for o in offers))
        return cls(
            kind=offers[0].kind if offers else "",
            ids=_ints(o.id for o in offers),
            beds_per_household=_ints(o.beds_per_household for o in offers),
            units=_ints(o.units for o in offers),
            household_types=_flags(offers, lambda o: o.household_types),
            housing_types=_flags(offers, lambda o: (o.housing_type,)),
            language_bit=language_bit,
            languages=languages,
            language_required=_bools(o.language_required for o in offers),
            step_free=_bools(o.step_free for o in offers),
            pets=_bools(o.pets for o in offers),
            available_from=_ints(_ordinal(o.available_from, _NO_START) for o in offers),
            available_until=_ints(_ordinal(o.available_until, _NO_END) for o in offers),
            min_stay=_ints(
                _NO_START if o.min_stay_nights is None else o.min_stay_nights for o in offers
            ),
            max_stay=_ints(
                _NO_END if o.max_stay_nights is None else o.max_stay_nights for o in offers
            ),
            sectors=sectors,
            sector_of_row=sector_of_row,
            places=Places.build(offers),
            waiting_day=_ints(o.waiting_since.date().toordinal() for o in offers),
            pending=_ints(max(0, o.pending_proposals) for o in offers),
            _static={},
        )

    def static_points(self, weights: Weights, today: date) -> Floats:
        """Offer waiting and pending-proposal points, which no need changes."""
        key = (today, weights)
        found = self._static.get(key)
        if found is None:  # kept in a local: threads of one process may share the bucket
            waited = _waiting_points(
                today.toordinal() - self.waiting_day, weights.offer_waiting,
                weights.waiting_full_days,
            )  # fmt: skip
            found = waited + weights.pending / (1 + self.pending)
            self._static.clear()
            self._static[key] = found
        return found


@dataclass(frozen=True, slots=True, eq=False)
class OfferIndex:
    """All offers, in buckets, with the buckets each (kind, category) need looks at."""

    buckets: dict[BucketKey, Bucket]
    by_kind: dict[str, tuple[Bucket, ...]]
    by_category: dict[tuple[str, int], tuple[Bucket, ...]]

    @classmethod
    def build(cls, offers: Iterable[OfferFacts]) -> OfferIndex:
        grouped: dict[BucketKey, list[OfferFacts]] = defaultdict(list)
        for offer in offers:
            grouped[(offer.kind, offer.category_ids)].append(offer)
        buckets = {key: Bucket.build(group) for key, group in grouped.items()}
        by_kind: dict[str, list[Bucket]] = defaultdict(list)
        by_category: dict[tuple[str, int], list[Bucket]] = defaultdict(list)
        for (kind, category_ids), bucket in buckets.items():
            by_kind[kind].append(bucket)
            for category_id in category_ids:
                by_category[(kind, category_id)].append(bucket)
        return cls(
            buckets=buckets,
            by_kind={k: tuple(v) for k, v in by_kind.items()},
            by_category={k: tuple(v) for k, v in by_category.items()},
        )

    def buckets_for(self, need: NeedFacts) -> tuple[Bucket, ...]:
        # The category rule of ``constraints.category_fits``, applied by choosing buckets.
        if need.kind == HOUSING or need.category_id is None:
            return self.by_kind.get(need.kind, ())
        return self.by_category.get((need.kind, need.category_id), ())


def _any_of(columns: dict[str, Bools], values: Iterable[str], size: int) -> Bools:
    mask = np.zeros(size, np.bool_)
    for value in values:
        if value in columns:
            mask |= columns[value]
    return mask


def _housing_mask(bucket: Bucket, need: NeedFacts) -> Bools:
    """Rules beds, household_type, housing_type and step_free."""
    size = len(bucket.ids)
    mask = bucket.beds_per_household >= need.household_size
    mask &= _any_of(bucket.household_types, (need.household_type,), size)
    if need.housing_types:
        mask &= _any_of(bucket.housing_types, need.housing_types, size)
    if need.step_free:
        mask &= bucket.step_free
    return mask


def _dates_mask(bucket: Bucket, need: NeedFacts, mask: Bools) -> Bools:
    """Rules dates, stay_length and cover."""
    start = need.wanted_from.toordinal()
    mask &= bucket.available_until >= start
    if need.wanted_until is not None:
        mask &= bucket.available_from <= need.wanted_until.toordinal()
        nights = (need.wanted_until - need.wanted_from).days
        mask &= (bucket.min_stay <= nights) & (bucket.max_stay >= nights)
    if need.min_cover_nights > 0:
        end = _NO_END if need.wanted_until is None else need.wanted_until.toordinal()
        covered = np.minimum(end, bucket.available_until) - np.maximum(start, bucket.available_from)
        mask &= covered >= need.min_cover_nights
    return mask


def _languages_mask(bucket: Bucket, need: NeedFacts, mask: Bools) -> Bools:
    """Rule languages: interpreting and sponsorship share a language with the need."""
    if bucket.language_required.any():
        shared = (bucket.languages & np.uint64(_language_mask(bucket, need))) != 0
        mask &= ~bucket.language_required | shared
    return mask


def _language_mask(bucket: Bucket, need: NeedFacts) -> int:
    return sum(bucket.language_bit.get(code, 0) for code in need.languages)


def _feasible_before_distance(bucket: Bucket, need: NeedFacts) -> Ints:
    """Indices of the offers that pass every rule but the distance (``RULES``)."""
    if need.units < 1 or (need.household_type == MINOR and not need.minors_accredited):
        return np.empty(0, np.int64)  # constraints.minors_through_accredited
    mask = bucket.units >= 1
    if need.excluded_offer_ids:  # constraints.not_broken_down_before
        mask &= ~np.isin(bucket.ids, np.fromiter(need.excluded_offer_ids, np.int64))
    if need.kind == HOUSING:
        mask &= _housing_mask(bucket, need)
    if need.no_pets:
        mask &= ~bucket.pets
    mask = _languages_mask(bucket, need, mask)
    return np.flatnonzero(_dates_mask(bucket, need, mask))


def _distances_km(places: Places, rows: Ints, need: NeedFacts) -> Floats:
    """Distances from each row's place to the nearest of the need's districts; computed
    once per place when places are fewer than rows (offers at sector centroids)."""
    if len(places.phi) <= len(rows):
        return _nearest(places.phi, places.cos_phi, places.longitude, need)[places.of_row[rows]]
    at = places.of_row[rows]
    return _nearest(places.phi[at], places.cos_phi[at], places.longitude[at], need)


def _nearest(phi: Floats, cos_phi: Floats, lon: Floats, need: NeedFacts) -> Floats:
    nearest: Floats | None = None
    for latitude, longitude in need.places:
        km = _haversine(phi, cos_phi, lon, latitude, longitude)
        nearest = km if nearest is None else np.minimum(nearest, km)
    assert nearest is not None
    return nearest


def _haversine(
    phi: Floats, cos_phi: Floats, lon: Floats, latitude: float, longitude: float
) -> Floats:
    # geo.haversine_km, term by term, with the need's district as the first point.
    phi1 = np.radians(latitude)
    half_dphi = (phi - phi1) / 2.0
    half_dlambda = np.radians(lon - longitude) / 2.0
    a = np.sin(half_dphi) ** 2 + np.cos(phi1) * cos_phi * np.sin(half_dlambda) ** 2
    result: Floats = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return result


def _distance_points(
    bucket: Bucket, rows: Ints, km: Floats | None, need: NeedFacts, weights: Weights
) -> Floats:
    preferred_sector = np.isin(bucket.sectors, np.fromiter(need.sector_ids, np.int64))
    bonus = np.where(preferred_sector, weights.preferred_sector, 0.0)[bucket.sector_of_row[rows]]
    if km is None:
        return bonus
    half = weights.distance_half_km
    points: Floats = weights.distance * half / (half + km) + bonus
    return points


def _language_points(bucket: Bucket, rows: Ints, need: NeedFacts, weights: Weights) -> Floats:
    wanted = _language_mask(bucket, need)
    shared = np.bitwise_count(bucket.languages[rows] & np.uint64(wanted))
    # scoring.languages_points for every possible number of shared languages.
    by_count = np.array([languages_points(weights, n) for n in range(65)])
    points: Floats = by_count[shared]
    return points


def _date_points(bucket: Bucket, rows: Ints, need: NeedFacts, weights: Weights) -> Floats:
    start, end = wanted_period(need, weights)
    first = np.maximum(start, bucket.available_from[rows])
    last = np.minimum(end, bucket.available_until[rows])
    share = np.maximum(0, last - first) / (end - start)
    points: Floats = weights.dates * share
    return points


def _bed_fit_points(bucket: Bucket, rows: Ints, need: NeedFacts, weights: Weights) -> Floats:
    beds = np.maximum(bucket.beds_per_household[rows], 1)
    points: Floats = weights.bed_fit * np.minimum(1.0, need.household_size / beds)
    return points


def _waiting_points(days: Ints | int, weight: float, full: float) -> Floats:
    points: Floats = weight * np.minimum(np.maximum(0, days), full) / full
    return points


def _scores(
    bucket: Bucket, rows: Ints, km: Floats | None, need: NeedFacts, weights: Weights, today: date
) -> Floats:
    """``scoring.score``'s total for each row (the same terms, summed in another order,
    which moves totals by far less than the 1e-9 the comparison test allows)."""
    need_days = today.toordinal() - need.opened_at.date().toordinal()
    per_need = urgency_points(need.urgency, weights) + float(
        _waiting_points(need_days, weights.need_waiting, weights.need_waiting_full_days)
    )
    total = _distance_points(bucket, rows, km, need, weights)
    total += _language_points(bucket, rows, need, weights)
    total += _date_points(bucket, rows, need, weights)
    if need.kind == HOUSING:
        total += _bed_fit_points(bucket, rows, need, weights)
    total += bucket.static_points(weights, today)[rows]
    result: Floats = total + per_need
    return result


def _bucket_candidates(
    bucket: Bucket, need: NeedFacts, weights: Weights, today: date
) -> tuple[Ints, Floats]:
    rows = _feasible_before_distance(bucket, need)
    km: Floats | None = None
    if need.places:
        km = _distances_km(bucket.places, rows, need)
        if need.max_distance_km is not None:
            near = km <= need.max_distance_km
            rows, km = rows[near], km[near]
    elif need.max_distance_km is not None:  # rule distance: a limit needs a place
        rows = rows[:0]
    return bucket.ids[rows], _scores(bucket, rows, km, need, weights, today)


def candidates(
    index: OfferIndex,
    need: NeedFacts,
    weights: Weights,
    today: date,
    *,
    excluded: Ints | None = None,
) -> tuple[Ints, Floats]:
    """Every compatible offer's id and score, in no particular order, leaving out the
    ``excluded`` offer ids (offers already used up by a batch round)."""
    found = [_bucket_candidates(b, need, weights, today) for b in index.buckets_for(need)]
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.float64)
    ids, scores = np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])
    if excluded is not None and len(excluded):
        kept = ~np.isin(ids, excluded)
        return ids[kept], scores[kept]
    return ids, scores


def top_candidates(
    index: OfferIndex,
    need: NeedFacts,
    k: int,
    weights: Weights,
    today: date,
    *,
    excluded: Ints | None = None,
) -> list[tuple[int, float]]:
    """The ``k`` best compatible offers as (offer id, score), best first; equal scores
    are ordered by offer id so that the answer never depends on loading order."""
    if k <= 0:
        return []
    ids, scores = candidates(index, need, weights, today, excluded=excluded)
    if len(ids) > k:
        keep = np.argpartition(-scores, k - 1)[:k]
        # Offers tied with the k-th score compete on id, like the final sort below.
        threshold = scores[keep].min()
        keep = np.flatnonzero(scores >= threshold)
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))[:k]
    return [(int(ids[i]), float(scores[i])) for i in order]


@dataclass(frozen=True, slots=True)
class _Job:
    index: OfferIndex
    k: int
    weights: Weights
    today: date
    excluded: Ints | None


def _edges(job: _Job, needs: Sequence[NeedFacts]) -> list[Edge]:
    return [
        Edge(need.id, offer_id, total)
        for need in needs
        for offer_id, total in top_candidates(
            job.index, need, job.k, job.weights, job.today, excluded=job.excluded
        )
    ]


# Worker processes inherit the index through fork instead of receiving a pickled copy.
_FORKED: _Job | None = None


def _edges_in_worker(needs: Sequence[NeedFacts]) -> list[Edge]:
    assert _FORKED is not None
    return _edges(_FORKED, needs)


def candidate_edges(
    index: OfferIndex,
    needs: Sequence[NeedFacts],
    k: int,
    weights: Weights,
    today: date,
    *,
    excluded: Ints | None = None,
    processes: int = 1,
) -> list[Edge]:
    """The top ``k`` candidates of every need, as the batch assignment's edges, by need
    then best first. With ``processes`` > 1 (where processes fork) workers share them."""
    job = _Job(index, k, weights, today, excluded)
    if processes <= 1 or len(needs) < 2 * processes:
        return _edges(job, needs)
    global _FORKED
    _FORKED = job
    try:
        chunks = [needs[i :: processes * 8] for i in range(processes * 8)]
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_edges_in_worker, chunks)
    finally:
        _FORKED = None
    return sorted(
        (edge for part in parts for edge in part), key=lambda e: (e.need_id, -e.score, e.offer_id)
    )
