"""The staff search (docs/architecture.md, "Staff search"): PostgreSQL's unaccent and
pg_trgm extensions, and an IMMUTABLE wrapper of unaccent that indexes may use (unaccent
itself is only STABLE). Nothing to do on SQLite, where the search falls back to icontains."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION entraide_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""


def create_function(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def drop_function(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS entraide_unaccent(text)")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_claim")]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.RunPython(create_function, drop_function, elidable=False),
    ]
