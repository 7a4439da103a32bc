"""The SQL of the staff search over needs, shared by its query and its index
(``needs/migrations/0005_search_index.py``)."""

NEED_DOCUMENT = "entraide_unaccent(coalesce(note, '') || ' ' || coalesce(accessibility, ''))"
NEED_MATCHES = (
    "SELECT id FROM needs_need WHERE "  # noqa: S608 (constants only; the text is a bound parameter)
    f"to_tsvector('simple'::regconfig, {NEED_DOCUMENT}) "
    "@@ plainto_tsquery('simple'::regconfig, entraide_unaccent(%s))"
)
