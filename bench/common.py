"""What both benchmarks need before Django starts: their own PostgreSQL database."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def ensure_database(database_url: str) -> None:
    """Create the benchmark's database if it does not exist yet (never the real one)."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def machine() -> str:
    """The CPU, memory and Python the figures were measured on."""
    import os
    import platform as stdlib_platform
    from pathlib import Path

    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    python = stdlib_platform.python_version()
    return f"{os.cpu_count()} CPU ({model}), {memory:.0f} GiB, Python {python}"
