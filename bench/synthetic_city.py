"""A synthetic city at surge scale, for ``bench/matching.py``: deterministic rows, COPYed.

Districts around Strasbourg, offers with the Strasbourg mix (about half goods, a quarter
housing of which ~85% rooms in a shared home, a quarter skills) and open needs from
associations. Every value comes from one seeded ``random.Random`` per table, so the n-th
offer is the same whatever the batch sizes it is loaded in. Offers, needs and the
needs↔sectors table are written with PostgreSQL's COPY (psycopg ``cursor.copy``); the few
reference rows (districts, organisations, one staff user) with the ORM.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

CITY_CENTRE = (48.5734, 7.7521)  # Strasbourg
DISTRICTS = 40
ORGANISATIONS = 60
HOUSEHOLD_TYPES = ("single_adult", "woman_alone", "couple", "family")
HOSTS_LANGUAGES = ("en", "de", "ar", "uk", "ru", "es", "tr", "it", "pt", "fa")
NEWCOMERS_LANGUAGES = ("ar", "uk", "ru", "fa", "ps", "ti", "so", "ku", "tr", "en", "sq", "ka")

OFFER_COLUMNS = (
    "id", "kind", "status", "title", "description", "language", "street_address", "postcode",
    "housing_type", "capacity", "households_at_once", "household_types", "available_from",
    "available_until", "min_stay_nights", "max_stay_nights", "step_free_access",
    "pets_at_home", "languages", "quantity", "sizes", "condition", "pickup_hours",
    "language_pairs", "weekly_slots", "remote_possible", "moderation_message", "origin",
    "caller_name", "caller_phone", "caller_email", "created_at", "updated_at",
    "published_at", "last_confirmed_at", "category_id", "sector_id", "text_flags",
)  # fmt: skip
NEED_COLUMNS = (
    "id", "kind", "origin", "status", "urgency", "adults", "children", "household_size",
    "household_type", "languages", "step_free_access", "accessibility", "housing_types",
    "quantity", "sizes", "wanted_from", "wanted_until", "max_distance_km", "note",
    "note_flags", "internal_reference", "created_at", "updated_at", "opened_at",
    "category_id", "organisation_id", "no_pets",
)  # fmt: skip


@dataclass(frozen=True)
class CityReference:
    """What the generator draws from: ids of districts, categories and organisations."""

    sector_ids: list[int]
    sector_points: dict[int, tuple[float, float]]
    donation_leaves: list[int]  # categories without children: what an offer picks
    donation_parents: dict[int, int]  # leaf → its parent, for needs asking the parent
    skill_categories: list[int]
    organisations: dict[int, list[int]] = field(default_factory=dict)  # id → sectors


def district_centroids(rng: random.Random) -> list[tuple[float, float]]:
    """40 district centroids spread over ~8 km around the centre, denser in the middle."""
    points = []
    for index in range(DISTRICTS):
        radius_km = 8.0 * math.sqrt((index + 0.5) / DISTRICTS) + rng.uniform(-0.3, 0.3)
        angle = index * 2.399963 + rng.uniform(-0.2, 0.2)  # golden angle: even spread
        latitude = CITY_CENTRE[0] + radius_km * math.cos(angle) / 111.2
        longitude = CITY_CENTRE[1] + radius_km * math.sin(angle) / (
            111.2 * math.cos(math.radians(CITY_CENTRE[0]))
        )
        points.append((round(latitude, 5), round(longitude, 5)))
    return points


def nearby(reference: CityReference, sector_id: int, count: int) -> list[int]:
    """The ``count`` districts nearest to one (itself first)."""
    here = reference.sector_points[sector_id]
    return sorted(
        reference.sector_ids,
        key=lambda pk: (
            (reference.sector_points[pk][0] - here[0]) ** 2
            + (reference.sector_points[pk][1] - here[1]) ** 2
        ),
    )[:count]


def _jsonb(values: Sequence[str]) -> str:
    return json.dumps(list(values))


def _languages(rng: random.Random, pool: Sequence[str], french: float) -> list[str]:
    chosen = ["fr"] if rng.random() < french else []
    for _ in range(rng.choices((0, 1, 2), weights=(45, 40, 15))[0]):
        language = rng.choice(pool)
        if language not in chosen:
            chosen.append(language)
    return chosen or [rng.choice(pool)]


def _welcomes(rng: random.Random, beds: int) -> list[str]:
    welcome = [t for t in HOUSEHOLD_TYPES if rng.random() < 0.55]
    if beds >= 3 and "family" not in welcome and rng.random() < 0.6:
        welcome.append("family")
    return welcome or [rng.choice(HOUSEHOLD_TYPES)]


@dataclass
class Clock:
    """The bench's "now": dates are drawn relative to it, so data stay current."""

    now: datetime

    @property
    def today(self) -> date:
        return self.now.date()

    def days_ago(self, rng: random.Random, days: float) -> datetime:
        return self.now - timedelta(seconds=rng.uniform(0, days * 86400))


def _offer_period(rng: random.Random, clock: Clock, kind: str) -> tuple[date | None, ...]:
    """(available_from, available_until): some from now, some open-ended."""
    if kind == "donation" and rng.random() < 0.8:
        return None, None
    start = None if rng.random() < 0.45 else clock.today + timedelta(days=rng.randint(0, 45))
    if rng.random() < 0.4:
        return start, None
    end = (start or clock.today) + timedelta(days=rng.randint(14, 365))
    return start, end


def _housing(rng: random.Random) -> dict[str, Any]:
    housing_type = rng.choices(("room", "dwelling", "emergency"), weights=(85, 10, 5))[0]
    beds_weights = {
        "room": (45, 35, 12, 5, 2, 1),
        "dwelling": (5, 15, 25, 25, 18, 12),
        "emergency": (30, 30, 20, 10, 5, 5),
    }[housing_type]
    beds = rng.choices(range(1, 7), weights=beds_weights)[0]
    households = 2 if beds >= 4 and rng.random() < 0.15 else 1
    min_stay = None if rng.random() < 0.5 else rng.choice((1, 3, 7, 14, 30))
    max_stay = None if rng.random() < 0.6 else max(min_stay or 1, rng.choice((7, 30, 90, 180)))
    return {
        "housing_type": housing_type, "capacity": beds, "households_at_once": households,
        "household_types": _welcomes(rng, beds), "min_stay_nights": min_stay,
        "max_stay_nights": max_stay, "step_free_access": rng.random() < 0.15,
        "pets_at_home": rng.random() < 0.25,
    }  # fmt: skip


def offer_rows(
    reference: CityReference, clock: Clock, seed: int, start: int = 0
) -> Iterator[tuple[Any, ...]]:
    """Offer rows in ``OFFER_COLUMNS`` order, ids from 1; the n-th is always the same."""
    rng = random.Random(f"{seed}-offers")  # noqa: S311 (a benchmark, not cryptography)
    for index in itertools.count():
        row = _offer_row(rng, reference, clock, index + 1)
        if index >= start:
            yield row


def _offer_row(
    rng: random.Random, reference: CityReference, clock: Clock, pk: int
) -> tuple[Any, ...]:
    kind = rng.choices(("donation", "housing", "skill"), weights=(50, 25, 25))[0]
    values: dict[str, Any] = {
        "housing_type": "", "capacity": None, "households_at_once": 1, "household_types": [],
        "min_stay_nights": None, "max_stay_nights": None, "step_free_access": False,
        "pets_at_home": False, "quantity": None, "category_id": None,
    }  # fmt: skip
    if kind == "housing":
        values |= _housing(rng)
    elif kind == "donation":
        values["category_id"] = rng.choice(reference.donation_leaves)
        values["quantity"] = rng.choices((1, 2, 5, 10, 30), weights=(40, 25, 20, 10, 5))[0]
    else:
        values["category_id"] = rng.choice(reference.skill_categories)
        values["capacity"] = rng.choices((1, 2, 3, 5), weights=(60, 25, 10, 5))[0]
    available_from, available_until = _offer_period(rng, clock, kind)
    confirmed = clock.days_ago(rng, 60)
    created = confirmed - timedelta(days=rng.uniform(0, 20))
    return (
        pk, kind, "published", f"Offre {pk}", "", "fr", "", "", values["housing_type"],
        values["capacity"], values["households_at_once"], _jsonb(values["household_types"]),
        available_from, available_until, values["min_stay_nights"], values["max_stay_nights"],
        values["step_free_access"], values["pets_at_home"],
        _jsonb(_languages(rng, HOSTS_LANGUAGES, french=0.95)), values["quantity"], "", "",
        "", "", "[]", kind == "skill" and rng.random() < 0.3, "", "phone", "", "", "",
        created, confirmed, created, confirmed, values["category_id"],
        rng.choice(reference.sector_ids), "[]",
    )  # fmt: skip


def _household(rng: random.Random) -> tuple[str, int, int]:
    """(type, adults, children): sizes 1 to 7."""
    household_type = rng.choices(
        ("single_adult", "woman_alone", "couple", "family"), weights=(35, 15, 15, 35)
    )[0]
    if household_type in ("single_adult", "woman_alone"):
        return household_type, 1, 0
    if household_type == "couple":
        return household_type, 2, 0
    adults = rng.choice((1, 2, 2))
    return household_type, adults, rng.choices(range(1, 6), weights=(30, 30, 20, 12, 8))[0]


def need_rows(
    reference: CityReference, clock: Clock, seed: int, start: int = 0
) -> Iterator[tuple[tuple[Any, ...], list[int]]]:
    """(need row in ``NEED_COLUMNS`` order, preferred district ids); ids from 1."""
    rng = random.Random(f"{seed}-needs")  # noqa: S311 (a benchmark, not cryptography)
    for index in itertools.count():
        row = _need_row(rng, reference, clock, index + 1)
        if index >= start:
            yield row


def _need_category(rng: random.Random, reference: CityReference, kind: str) -> int | None:
    if kind == "housing":
        return None
    if kind == "skill":
        return rng.choice(reference.skill_categories) if rng.random() < 0.95 else None
    roll = rng.random()
    leaf = rng.choice(reference.donation_leaves)
    if roll < 0.05:
        return None  # any goods will do
    if roll < 0.2 and leaf in reference.donation_parents:
        return reference.donation_parents[leaf]  # "clothing" rather than "children's"
    return leaf


def _wanted(rng: random.Random, clock: Clock) -> tuple[date | None, date | None]:
    start = None if rng.random() < 0.5 else clock.today + timedelta(days=rng.randint(0, 21))
    if rng.random() < 0.5:
        return start, None
    return start, (start or clock.today) + timedelta(days=rng.randint(7, 180))


def _need_row(
    rng: random.Random, reference: CityReference, clock: Clock, pk: int
) -> tuple[tuple[Any, ...], list[int]]:
    kind = rng.choices(("housing", "donation", "skill"), weights=(40, 40, 20))[0]
    urgency = rng.choices(("critical", "high", "normal"), weights=(10, 30, 60))[0]
    household_type, adults, children = _household(rng)
    organisation = rng.choice(list(reference.organisations))
    sectors: list[int] = []
    if rng.random() < 0.8:  # most needs name preferred districts, near each other
        home = rng.choice(reference.organisations[organisation])
        sectors = nearby(reference, home, rng.choice((1, 1, 2, 3, 4)))
    housing_types: list[str] = []
    if kind == "housing" and rng.random() < 0.4:
        housing_types = rng.choice((["room"], ["dwelling"], ["room", "dwelling"], ["emergency"]))
    wanted_from, wanted_until = _wanted(rng, clock)
    opened = clock.days_ago(rng, 30)
    row = (
        pk, kind, "association", "open", urgency, adults, children, adults + children,
        household_type, _jsonb(_languages(rng, NEWCOMERS_LANGUAGES, french=0.25)),
        kind == "housing" and rng.random() < 0.1, "", _jsonb(housing_types),
        rng.choices((1, 2, 5, 10), weights=(50, 25, 15, 10))[0] if kind == "donation" else 1,
        "", wanted_from, wanted_until,
        rng.choice((3, 5, 8, 12)) if rng.random() < 0.3 else None, "", "[]", "",
        opened, opened, opened, _need_category(rng, reference, kind), organisation,
        kind == "housing" and rng.random() < 0.15,
    )  # fmt: skip
    return row, sectors


def copy_rows(cursor: Any, table: str, columns: Sequence[str], rows: Iterator[tuple]) -> int:
    """COPY rows into a table; the number written."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def reset_sequence(cursor: Any, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (constants)
        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
    )
