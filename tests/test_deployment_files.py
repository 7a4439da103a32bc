"""The deployment files (Dockerfile, docker-compose.yml, .env.example) against the code.

Docker cannot run where the tests run, so these tests read the files: every command they
start must name something that exists in the project, every variable they give the
application must be one the settings read, and every variable compose asks the operator
for must be documented in .env.example.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib
import json
import os
import re
import secrets
import shlex
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from celery.bin.celery import celery as celery_cli
from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError
from django.urls import resolve
from gunicorn.config import Config as GunicornConfig

from core.views import healthz

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = {"web", "migrate", "worker", "beat"}
# What the settings refuse to start without in production, and the secrets: compose must
# ask the operator for each of them (${NAME:?message}), never fall back to a value.
REQUIRED_FROM_OPERATOR = {
    "DJANGO_SECRET_KEY",
    "POSTGRES_PASSWORD",
    "DJANGO_ALLOWED_HOSTS",
    "EMAIL_URL",
    "ENTRAIDE_CONTACT_EMAIL",
}
SECRETS = {"DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"}
# Read by the Python interpreter and pip in the image, not by the settings.
INTERPRETER_VARIABLES = re.compile(r"^(PYTHON|PIP_)")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<modifier>[^}]*)\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)
SHELL_OPERATORS = {"&&", "||", ";", "|", "&"}


# --- Reading the files -------------------------------------------------------------------


@functools.cache
def compose() -> dict[str, Any]:
    # PyYAML's safe loader resolves anchors and `<<` merge keys as compose does.
    document = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(document, dict)
    return document


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def app_services() -> dict[str, dict[str, Any]]:
    """The services that run the project's image (those compose builds from this folder)."""
    return {name: service for name, service in services().items() if "build" in service}


@functools.cache
def dockerfile_instructions() -> tuple[tuple[str, str], ...]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw_line in DOCKERFILE.read_text().splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        instruction, _, arguments = line.partition(" ")
        instructions.append((instruction.upper(), arguments.strip()))
    assert not pending, "The Dockerfile ends in the middle of a continued line."
    return tuple(instructions)


def dockerfile(instruction: str) -> list[str]:
    return [arguments for name, arguments in dockerfile_instructions() if name == instruction]


def dockerfile_environment() -> dict[str, str]:
    environment: dict[str, str] = {}
    for arguments in dockerfile("ENV"):
        words = shlex.split(arguments)
        if words and "=" not in words[0]:  # the legacy form: ENV NAME value
            environment[words[0]] = " ".join(words[1:])
            continue
        for word in words:
            name, _, value = word.partition("=")
            environment[name] = value
    return environment


# --- Reading the commands ----------------------------------------------------------------


def shell_commands(script: str, *, keep_assignments: bool = False) -> list[list[str]]:
    """The simple commands of a shell line, without their leading NAME=value words."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in SHELL_OPERATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    if not keep_assignments:
        commands = [strip_assignments(command) for command in commands]
    return [command for command in commands if command]


def strip_assignments(command: list[str]) -> list[str]:
    words = list(command)
    while words and ASSIGNMENT.match(words[0]):
        words.pop(0)
    return words


def assignments(command: list[str]) -> dict[str, str]:
    """The NAME=value words that start a command (its own environment)."""
    found = {}
    for word in command:
        if not ASSIGNMENT.match(word):
            break
        name, _, value = word.partition("=")
        found[name] = value
    return found


def exec_or_shell(arguments: str) -> list[list[str]]:
    """A Dockerfile CMD/RUN/HEALTHCHECK argument, in exec (JSON) form or shell form."""
    if arguments.startswith("["):
        argv = json.loads(arguments)
        assert all(isinstance(word, str) for word in argv)
        return [argv]
    return shell_commands(arguments)


def compose_command(value: str | list[str]) -> list[list[str]]:
    if isinstance(value, list):
        return [[str(word) for word in value]]
    return [shlex.split(value)]


def compose_healthcheck(test: str | list[str]) -> list[list[str]]:
    if isinstance(test, str):
        return shell_commands(test)
    kind, *rest = test
    if kind == "CMD-SHELL":
        return shell_commands(" ".join(rest))
    if kind == "CMD":
        return [rest]
    assert kind == "NONE", f"Unknown health check form: {test!r}"
    return []


def dockerfile_healthcheck() -> list[list[str]]:
    (arguments,) = dockerfile("HEALTHCHECK")
    options, separator, command = arguments.partition("CMD ")
    assert separator, "The HEALTHCHECK has no CMD."
    assert all(word.startswith("--") for word in options.split())
    return exec_or_shell(command.strip())


def dockerfile_cmd() -> list[str]:
    (arguments,) = dockerfile("CMD")
    (argv,) = exec_or_shell(arguments)
    return argv


def effective_command(service: dict[str, Any]) -> list[str]:
    """What an application service runs: its compose command, or else the image's CMD."""
    if "command" in service:
        (argv,) = compose_command(service["command"])
        return argv
    return dockerfile_cmd()


def all_commands() -> Iterator[tuple[str, list[str]]]:
    """Every command the deployment runs, with where it comes from."""
    for index, arguments in enumerate(dockerfile("RUN")):
        for argv in exec_or_shell(arguments):
            yield f"Dockerfile RUN #{index + 1}", argv
    yield "Dockerfile CMD", dockerfile_cmd()
    for argv in dockerfile_healthcheck():
        yield "Dockerfile HEALTHCHECK", argv
    for name, service in services().items():
        for key in ("command", "entrypoint"):
            if key in service:
                for argv in compose_command(service[key]):
                    yield f"compose {name}.{key}", argv
        test = service.get("healthcheck", {}).get("test")
        if test is not None:
            for argv in compose_healthcheck(test):
                yield f"compose {name}.healthcheck", argv


def program(argv: list[str]) -> str:
    return PurePosixPath(argv[0]).name if argv else ""


def is_manage_py(argv: list[str]) -> bool:
    return program(argv).startswith("python") and len(argv) > 1 and argv[1] == "manage.py"


def compose_interpolations() -> Iterator[tuple[str, str]]:
    """(variable, modifier) for each ${VARIABLE...} or $VARIABLE compose substitutes."""

    def strings(node: Any) -> Iterator[str]:
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for key, value in node.items():
                yield from strings(key)
                yield from strings(value)
        elif isinstance(node, list):
            for item in node:
                yield from strings(item)

    for text in strings(compose()):
        for match in INTERPOLATION.finditer(text):
            if match["escaped"]:
                continue  # $$ is a literal dollar for the container's shell
            yield (match["braced"] or match["plain"], match["modifier"] or "")


def read_env_file(path: Path) -> dict[str, str]:
    variables: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, value = line.partition("=")
        assert separator, f"{path.name}: {line!r} is not NAME=value"
        variables[name.strip()] = value.strip()
    return variables


def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


def service_environment(service: dict[str, Any]) -> dict[str, str]:
    """The variables a service's container gets: its env_file(s), then its environment."""
    environment: dict[str, str] = {}
    env_files = service.get("env_file", [])
    for env_file in [env_files] if isinstance(env_files, str | dict) else env_files:
        path = env_file if isinstance(env_file, str) else env_file["path"]
        environment.update(read_env_file(ROOT / path))
    declared = service.get("environment", {})
    if isinstance(declared, list):
        declared = dict(item.partition("=")[::2] for item in declared)
    for name, value in declared.items():
        environment[name] = "" if value is None else str(value)
    return environment


# --- The settings, loaded in production --------------------------------------------------

PROBE = """
import json
import django
django.setup()
from entraide import settings as production  # the module itself: it holds `env`
print(json.dumps({
    "names_read": sorted(production.env.names_read),
    "static_root": str(production.STATIC_ROOT),
    "staticfiles_backend": production.STORAGES["staticfiles"]["BACKEND"],
    "middleware": production.MIDDLEWARE,
}))
"""


@functools.cache
def production_settings() -> dict[str, Any]:
    """The settings as a container loads them: the image's ENV plus a production setup."""
    keep = {"PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV"}
    environment = {name: value for name, value in os.environ.items() if name in keep}
    environment.update(dockerfile_environment())
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "entraide.settings",
            "DJANGO_ENV": "production",
            "DATABASE_URL": "postgres://u:p@localhost:5432/x",
            "REDIS_URL": "redis://localhost:6379/0",
            "DJANGO_SECRET_KEY": "".join(
                secrets.choice(string.ascii_letters + string.digits) for _ in range(60)
            ),
            "DJANGO_ALLOWED_HOSTS": "example.org",
            "EMAIL_URL": "smtp://localhost:25",
            "ENTRAIDE_CONTACT_EMAIL": "x@example.org",
        }
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Checking one command ----------------------------------------------------------------


def check_manage_py(where: str, argv: list[str]) -> None:
    assert (ROOT / argv[1]).is_file(), f"{where}: {argv[1]} does not exist"
    assert len(argv) > 2, f"{where}: manage.py without a command"
    name, arguments = argv[2], argv[3:]
    commands = get_commands()
    assert name in commands, f"{where}: `manage.py {name}` is not a management command"
    command = load_command_class(commands[name], name)
    try:
        command.create_parser("manage.py", name).parse_args(arguments)
    except CommandError as error:
        pytest.fail(f"{where}: `manage.py {name} {' '.join(arguments)}`: {error}")


def check_gunicorn(where: str, argv: list[str]) -> None:
    try:
        options = GunicornConfig().parser().parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"{where}: gunicorn does not accept {argv[1:]}")
    assert len(options.args) == 1, f"{where}: gunicorn needs exactly one application"
    module_name, _, attribute = options.args[0].partition(":")
    module = importlib.import_module(module_name)
    application = getattr(module, attribute or "application", None)
    assert callable(application), f"{where}: {options.args[0]} is not a WSGI application"


def check_celery(where: str, argv: list[str]) -> None:
    words = argv[1:]
    app_name = None
    for flag in ("-A", "--app"):
        if flag in words:
            index = words.index(flag)
            app_name = words[index + 1]
            del words[index : index + 2]
    for word in list(words):
        if word.startswith("--app="):
            app_name = word.partition("=")[2]
            words.remove(word)
    assert app_name, f"{where}: celery without -A"
    # What `celery -A` itself does to find the application.
    app = find_app(app_name)
    assert isinstance(app, Celery), f"{where}: {app_name} does not expose a Celery app"
    module = importlib.import_module(app_name)
    assert isinstance(getattr(module, "celery_app", None) or getattr(module, "app", None), Celery)

    subcommands = [word for word in words if not word.startswith("-")]
    assert subcommands, f"{where}: celery without a command"
    subcommand = celery_cli.commands.get(subcommands[0])
    assert subcommand is not None, f"{where}: `celery {subcommands[0]}` does not exist"
    known = {opt for param in [*celery_cli.params, *subcommand.params] for opt in param.opts}
    for word in words:
        if word.startswith("-"):
            assert word.partition("=")[0] in known, f"{where}: celery does not know {word}"


def check_python_code(where: str, argv: list[str]) -> None:
    code = argv[argv.index("-c") + 1]
    for url in re.findall(r"https?://[^'\"\s]+", code):
        match = resolve(urlsplit(url).path)
        assert match.func is healthz, f"{where}: {url} is not the health check view"


def check(where: str, argv: list[str]) -> str | None:
    """Checks one command if it starts the project; returns what kind it was."""
    if is_manage_py(argv):
        check_manage_py(where, argv)
        return f"manage.py {argv[2]}"
    if program(argv) == "gunicorn":
        check_gunicorn(where, argv)
        return "gunicorn"
    if program(argv) == "celery":
        check_celery(where, argv)
        return "celery"
    if program(argv).startswith("python") and "-c" in argv and "healthz" in " ".join(argv):
        check_python_code(where, argv)
        return "healthz"
    return None


# --- The tests ---------------------------------------------------------------------------


def test_compose_declares_the_production_services() -> None:
    declared = services()
    assert set(declared) >= APP_SERVICES | {"postgres", "redis"}
    assert set(app_services()) == APP_SERVICES
    volumes = set(compose().get("volumes") or {})

    def named_volume_at(service: dict[str, Any], target: str) -> bool:
        for volume in service.get("volumes", []):
            source, _, rest = volume.partition(":") if isinstance(volume, str) else ("", "", "")
            if isinstance(volume, dict):
                source, rest = volume.get("source", ""), volume.get("target", "")
            if rest.partition(":")[0] == target and source in volumes:
                return True
        return False

    # web: gunicorn, the only published port, checked through /healthz.
    web = declared["web"]
    assert program(effective_command(web)) == "gunicorn"
    assert [name for name, service in declared.items() if service.get("ports")] == ["web"]
    assert all(str(port).endswith(":8000") for port in web["ports"])
    web_check = web.get("healthcheck", {})
    assert not web_check.get("disable"), "web must keep its /healthz health check"
    assert "test" not in web_check or "/healthz" in json.dumps(web_check["test"])
    assert any("/healthz" in argv[-1] for argv in dockerfile_healthcheck())

    # migrate: one shot, before web and worker.
    migrate = declared["migrate"]
    assert effective_command(migrate) == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate["restart"] == "no"
    for name in ("web", "worker"):
        condition = declared[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name
    for name in ("migrate", "web", "worker"):
        assert declared[name]["depends_on"]["postgres"]["condition"] == "service_healthy", name
    for name in ("web", "worker", "beat"):
        assert declared[name]["depends_on"]["redis"]["condition"] == "service_healthy", name

    # worker and beat: Celery, with exactly one beat, whose schedule survives a restart.
    worker_command = effective_command(declared["worker"])
    assert program(worker_command) == "celery"
    assert "worker" in worker_command
    assert not {"-B", "--beat"} & set(worker_command), "beat must not run inside a worker"
    beats = [
        name
        for name, service in app_services().items()
        if program(effective_command(service)) == "celery" and "beat" in effective_command(service)
    ]
    assert beats == ["beat"]
    beat = declared["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    (schedule,) = [
        word.partition("=")[2]
        for word in effective_command(beat)
        if word.startswith(("--schedule=", "-s="))
    ]
    assert named_volume_at(beat, str(PurePosixPath(schedule).parent))

    # postgres: PostgreSQL 15 on a named volume, healthy once it accepts connections.
    postgres = declared["postgres"]
    assert postgres["image"].startswith("postgres:15")
    assert named_volume_at(postgres, "/var/lib/postgresql/data")
    assert "pg_isready" in json.dumps(postgres["healthcheck"]["test"])

    # redis: the broker must never drop a task, so it persists and never evicts.
    redis = declared["redis"]
    assert redis["image"].startswith("redis:7")
    (redis_command,) = compose_command(redis["command"])
    assert program(redis_command) == "redis-server"
    joined = " ".join(redis_command)
    assert "--appendonly yes" in joined
    assert "--maxmemory-policy noeviction" in joined
    assert named_volume_at(redis, "/data")
    assert "redis-cli ping" in " ".join(compose_healthcheck(redis["healthcheck"]["test"])[0])


def test_every_command_in_compose_and_the_dockerfile_names_something_that_exists() -> None:
    kinds: dict[str, set[str]] = {}
    for where, argv in all_commands():
        kind = check(where, argv)
        if kind is not None:
            kinds.setdefault(where.split(".")[0].split(" #")[0], set()).add(kind)

    # What the deployment cannot do without, found and checked above.
    assert "manage.py collectstatic" in kinds["Dockerfile RUN"]
    assert kinds["Dockerfile CMD"] == {"gunicorn"}
    assert kinds["Dockerfile HEALTHCHECK"] == {"healthz"}
    assert kinds["compose migrate"] == {"manage.py migrate"}
    assert kinds["compose worker"] == {"celery"}
    assert kinds["compose beat"] == {"celery"}

    # The files the build copies exist, and the health check asks the port gunicorn binds.
    for arguments in dockerfile("COPY"):
        *sources, _destination = [
            word for word in shlex.split(arguments) if not word.startswith("--")
        ]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file"
    options = GunicornConfig().parser().parse_args(dockerfile_cmd()[1:])
    ports = {bind.rpartition(":")[2] for bind in options.bind}
    assert ports == {"8000"}
    assert dockerfile("EXPOSE") == ["8000"]
    (healthcheck,) = dockerfile_healthcheck()
    (url,) = re.findall(r"https?://[^'\"\s]+", healthcheck[-1])
    assert str(urlsplit(url).port) in ports


def test_every_variable_compose_sets_is_read_by_the_settings() -> None:
    names_read = set(production_settings()["names_read"])
    for name, service in app_services().items():
        unread = set(service_environment(service)) - names_read
        assert not unread, f"compose sets {sorted(unread)} for {name}; the settings never read it"

    # The image's own ENV, and the build-time values collectstatic runs with.
    image_variables = {
        name for name in dockerfile_environment() if not INTERPRETER_VARIABLES.match(name)
    }
    for arguments in dockerfile("RUN"):
        for command in shell_commands(arguments, keep_assignments=True):
            image_variables |= set(assignments(command))
    assert not image_variables - names_read


def test_the_env_example_documents_every_variable_compose_uses() -> None:
    documented = env_example()
    interpolated = {name for name, _ in compose_interpolations()}
    assert interpolated, "compose takes nothing from the operator?"
    assert not interpolated - set(documented), "interpolated in compose, missing from .env.example"
    # And the other way round: compose reads .env for interpolation only, so a variable in
    # .env.example that compose never uses would be set by the operator and then ignored.
    assert not set(documented) - interpolated, "in .env.example, but compose never uses it"
    # Each variable comes with a comment that explains it.
    lines = ENV_EXAMPLE.read_text().splitlines()
    for index, line in enumerate(lines):
        if ASSIGNMENT.match(line):
            assert lines[index - 1].startswith("#"), f"{line!r} is not documented"


def test_secrets_and_required_settings_come_from_the_operator() -> None:
    modifiers: dict[str, set[str]] = {}
    for name, modifier in compose_interpolations():
        modifiers.setdefault(name, set()).add(modifier[:2])
    for name in REQUIRED_FROM_OPERATOR:
        assert modifiers.get(name) == {":?"}, f"{name} must be ${{{name}:?...}} everywhere"
        # Left empty in the example, so that a copied but unfilled .env refuses to start.
        assert env_example()[name] == "", f"{name} has a value in .env.example"
    # No secret is ever written into the compose file itself.
    for service in services().values():
        for name, value in service_environment(service).items():
            if name in SECRETS:
                assert value.startswith("${"), f"{name} is written in docker-compose.yml"


def test_the_image_serves_static_files_collected_for_the_production_storage() -> None:
    environment = dockerfile_environment()
    static_root = environment.get("ENTRAIDE_STATIC_ROOT", "")
    assert static_root.startswith("/"), "the image must fix ENTRAIDE_STATIC_ROOT"
    settings = production_settings()
    assert settings["static_root"] == static_root
    assert settings["staticfiles_backend"].startswith("whitenoise.storage.")
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings["middleware"]

    # Collected at build time in production mode: the manifest storage needs the manifest.
    (collect,) = [
        command
        for arguments in dockerfile("RUN")
        for command in shell_commands(arguments, keep_assignments=True)
        if "collectstatic" in command
    ]
    assert assignments(collect)["DJANGO_ENV"] == "production"
    assert "--noinput" in collect
    # A volume over the static root would hide the collected files.
    for name, service in app_services().items():
        for volume in service.get("volumes", []):
            target = volume.split(":")[1] if isinstance(volume, str) else volume["target"]
            assert not static_root.startswith(target.rstrip("/") + "/"), name
            assert static_root != target, name


def test_the_image_runs_as_an_unprivileged_user() -> None:
    (base,) = dockerfile("FROM")
    assert base.startswith("python:3.11-slim")
    users = dockerfile("USER")
    assert users, "the image must not run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    last_user = max(i for i, (name, _) in enumerate(dockerfile_instructions()) if name == "USER")
    assert last_user > max(
        i for i, (name, _) in enumerate(dockerfile_instructions()) if name == "RUN"
    )


def test_the_build_context_keeps_what_the_image_needs() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def ignored(relative: str) -> bool:
        result = False
        parts = relative.split("/")
        prefixes = ["/".join(parts[: index + 1]) for index in range(len(parts))]
        for pattern in patterns:
            negated = pattern.startswith("!")
            pattern = pattern.removeprefix("!").strip("/")
            candidates = [pattern, pattern.removeprefix("**/")]
            if any(
                fnmatch.fnmatchcase(prefix, candidate)
                or (candidate != pattern and fnmatch.fnmatchcase(parts[-1], candidate))
                for prefix in prefixes
                for candidate in candidates
            ):
                result = not negated
        return result

    needed = [ROOT / "manage.py", ROOT / "pyproject.toml"]
    for folder in ("platform", "locale"):
        needed += [
            path
            for path in (ROOT / folder).rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        ]
    for path in needed:
        relative = path.relative_to(ROOT).as_posix()
        assert not ignored(relative), f".dockerignore leaves {relative} out of the image"
    for must_stay_out in (".venv/bin/python", "var/secret_key", ".git/HEAD", ".env"):
        assert ignored(must_stay_out), f"{must_stay_out} would be copied into the image"

    # The image does not compile the catalogues (no gettext in it): each .po has its .mo.
    for catalogue in (ROOT / "locale").glob("*/LC_MESSAGES/*.po"):
        assert catalogue.with_suffix(".mo").is_file(), f"{catalogue} is not compiled"
