"""GIN index of the staff search over needs (``needs.selectors.need_search``): the
note and accessibility texts, without accents. PostgreSQL only."""

from django.db import migrations

from needs.search import NEED_DOCUMENT

INDEX = f"USING gin (to_tsvector('simple'::regconfig, {NEED_DOCUMENT}))"


def create(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS need_search_document ON needs_need {INDEX}"
        )


def drop(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS need_search_document")


class Migration(migrations.Migration):
    dependencies = [("needs", "0004_anonymised"), ("core", "0005_search_extensions")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
