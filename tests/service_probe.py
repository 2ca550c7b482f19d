"""Finds PostgreSQL and Redis before Django is configured (loaded first with ``-p``).

``make test`` runs on the real services when they answer (``DATABASE_URL`` / ``REDIS_URL``, or the
standard localhost ports) and otherwise on SQLite and the in-memory channel layer, skipping the
tests marked ``postgres`` or ``redis`` and saying so in one line. With ``CI=true`` a missing
service fails the run instead.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/coordinator"
# A database number of its own, so tests never touch what `make run` keeps in Redis.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"


@dataclass
class Services:
    postgres: bool = False
    redis: bool = False
    postgres_why: str = ""
    redis_why: str = ""


def _postgres_answers(url: str) -> tuple[bool, str]:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    if not cfg["ENGINE"].endswith("postgresql"):
        return False, f"DATABASE_URL is not PostgreSQL ({cfg['ENGINE']})"
    try:
        # The maintenance database: the project's own may not exist yet; tests create theirs.
        psycopg.connect(
            host=cfg.get("HOST") or None,
            port=cfg.get("PORT") or None,
            user=cfg.get("USER") or None,
            password=cfg.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        ).close()
    except Exception as exc:
        return False, f"PostgreSQL did not answer ({type(exc).__name__})"
    return True, ""


def _redis_answers(url: str) -> tuple[bool, str]:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as exc:
        return False, f"Redis did not answer ({type(exc).__name__})"
    return True, ""


def _probe() -> Services:
    found = Services()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    found.postgres, found.postgres_why = _postgres_answers(database_url)
    if found.postgres:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    found.redis, found.redis_why = _redis_answers(redis_url)
    if found.redis:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    return found


SERVICES = _probe()
# Threads (websocket consumers, races) must not keep connections that block dropping the test DB.
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def summary() -> str:
    if SERVICES.postgres and SERVICES.redis:
        return "Services: running on the real PostgreSQL and Redis."
    missing = [why for why in (SERVICES.postgres_why, SERVICES.redis_why) if why]
    fallback = []
    if not SERVICES.postgres:
        fallback.append("SQLite")
    if not SERVICES.redis:
        fallback.append("the in-memory channel layer")
    return (
        f"Services: {'; '.join(missing)}: running on {' and '.join(fallback)}, "
        "and SKIPPING the tests that need the real services."
    )


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not (SERVICES.postgres and SERVICES.redis):
        pytest.exit(
            f"{summary()} CI=true requires both PostgreSQL and Redis; failing instead.",
            returncode=3,
        )


def pytest_report_header(config: pytest.Config) -> str:
    return summary()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skipped = 0
    for item in items:
        if "postgres" in item.keywords and not SERVICES.postgres:
            item.add_marker(pytest.mark.skip(reason=SERVICES.postgres_why or "needs PostgreSQL"))
            skipped += 1
        elif "redis" in item.keywords and not SERVICES.redis:
            item.add_marker(pytest.mark.skip(reason=SERVICES.redis_why or "needs Redis"))
            skipped += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(summary())
