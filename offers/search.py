"""The SQL of the staff search over offers, shared by its query and its indexes
(``offers/migrations/0006_search_indexes.py``): PostgreSQL uses an index only for the very
expression it was built on. ``entraide_unaccent`` is created by core's migrations."""

OFFER_DOCUMENT = (
    "entraide_unaccent(coalesce(title, '') || ' ' || coalesce(description, '') || ' ' "
    "|| coalesce(street_address, '') || ' ' || coalesce(postcode, ''))"
)
OFFER_FUZZY = "entraide_unaccent(coalesce(title, '') || ' ' || coalesce(street_address, ''))"
# Offers holding every word, accents aside; and, when none does, those whose title or
# street is close to the text (a typo), by trigrams.
OFFER_WORDS = (
    "SELECT id FROM offers_offer WHERE "  # noqa: S608 (constants only; the text is a bound parameter)
    f"to_tsvector('simple'::regconfig, {OFFER_DOCUMENT}) "
    "@@ plainto_tsquery('simple'::regconfig, entraide_unaccent(%s))"
)
OFFER_NEAR = (
    "SELECT id FROM offers_offer WHERE "  # noqa: S608 (constants only; the text is a bound parameter)
    f"({OFFER_FUZZY}) %%> entraide_unaccent(%s)"
)
