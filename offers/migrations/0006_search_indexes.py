"""GIN indexes of the staff search over offers (``offers.selectors.offer_search``): full
text without accents, and trigrams for typos in a title or a street. PostgreSQL only."""

from django.db import migrations

from offers.search import OFFER_DOCUMENT, OFFER_FUZZY

INDEXES = {
    "offer_search_document": f"USING gin (to_tsvector('simple'::regconfig, {OFFER_DOCUMENT}))",
    "offer_search_fuzzy": f"USING gin (({OFFER_FUZZY}) gin_trgm_ops)",
}


def create(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, method in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON offers_offer {method}")


def drop(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("offers", "0005_data_lifecycle"), ("core", "0005_search_extensions")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
