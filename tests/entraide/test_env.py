import pytest
from django.core.exceptions import ImproperlyConfigured

from entraide.env import Environment, redis_sibling_database


def test_an_unset_variable_takes_its_default_and_is_remembered_as_read() -> None:
    env = Environment({})
    assert env.integer("WORKERS", 4) == 4
    assert "WORKERS" in env.names_read


def test_a_required_variable_that_is_missing_stops_the_start() -> None:
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY must be set"):
        Environment({}).string("DJANGO_SECRET_KEY", required=True)


@pytest.mark.parametrize("value", ["yes", "TRUE", "1", "on"])
def test_booleans_accept_the_usual_spellings_of_true(value: str) -> None:
    assert Environment({"FLAG": value}).boolean("FLAG", default=False) is True


def test_a_boolean_that_is_neither_true_nor_false_is_refused_with_its_name() -> None:
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a boolean"):
        Environment({"FLAG": "maybe"}).boolean("FLAG", default=False)


def test_a_number_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        Environment({"N": "ten"}).integer("N", 1)


def test_a_number_below_its_minimum_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="below the minimum"):
        Environment({"N": "2"}).integer("N", 60, minimum=30)


def test_a_choice_outside_the_allowed_values_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="must be one of: development, production"):
        Environment({"DJANGO_ENV": "prod"}).choice(
            "DJANGO_ENV", ("development", "production"), "development"
        )


def test_a_database_url_is_parsed_for_postgresql() -> None:
    config = Environment({"DATABASE_URL": "postgres://u:secret@db:5432/entraide"}).database(
        "DATABASE_URL"
    )
    assert config is not None
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "entraide"
    assert config["HOST"] == "db"


def test_a_database_url_of_an_unsupported_kind_is_refused_without_showing_its_password() -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        Environment({"DATABASE_URL": "mysql://u:secret@db/x"}).database("DATABASE_URL")
    assert "secret" not in str(error.value)


def test_a_redis_url_must_name_a_host() -> None:
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL must look like"):
        Environment({"REDIS_URL": "localhost:6379"}).redis_url("REDIS_URL")


def test_the_cache_lives_in_the_database_after_the_broker() -> None:
    assert redis_sibling_database("redis://r:6379/0") == "redis://r:6379/1"
    assert redis_sibling_database("redis://r:6379") == "redis://r:6379/1"


def test_lists_are_comma_separated_and_trimmed() -> None:
    env = Environment({"HOSTS": " a.example.org, b.example.org ,"})
    assert env.strings("HOSTS") == ["a.example.org", "b.example.org"]
