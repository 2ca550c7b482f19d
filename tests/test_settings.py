"""Settings read the environment: each case imports them in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'db_name': settings.DATABASES['default']['NAME'], "
    "'layer': settings.CHANNEL_LAYERS['default']['BACKEND'], "
    "'cache': settings.CACHES['default']['BACKEND'], 'email': settings.EMAIL_BACKEND, "
    "'email_host': getattr(settings, 'EMAIL_HOST', ''), 'debug': settings.DEBUG, "
    "'secure_cookie': settings.SESSION_COOKIE_SECURE, 'hsts': settings.SECURE_HSTS_SECONDS}))"
)
VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "CHANNEL_LAYER",
    "EMAIL_URL",
    "DJANGO_ENV",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_POOL",
    "DATABASE_POOL_MIN_SIZE",
    "DATABASE_POOL_MAX_SIZE",
    "DATABASE_POOL_TIMEOUT",
    "DATABASE_CONN_MAX_AGE",
)


def _settings(
    tmp_path: Path, *, probe: str = PROBE, **env: str
) -> subprocess.CompletedProcess[str]:
    """``probe`` run in a fresh interpreter with the settings' variables of this environment
    replaced by ``env``."""
    clean = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings", DJANGO_VAR_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _read(tmp_path: Path, *, probe: str = PROBE, **env: str) -> dict[str, object]:
    done = _settings(tmp_path, probe=probe, **env)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_nothing_set_uses_the_embedded_parts(tmp_path: Path) -> None:
    found = _read(tmp_path)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["db_name"] == str(tmp_path / "db.sqlite3")
    assert found["layer"] == "channels.layers.InMemoryChannelLayer"
    assert found["email"] == "django.core.mail.backends.console.EmailBackend"
    assert found["debug"] is False
    # A development key was made and kept out of the repository.
    assert (tmp_path / "secret_key").exists()


def test_urls_switch_to_postgres_redis_and_smtp(tmp_path: Path) -> None:
    found = _read(
        tmp_path,
        DATABASE_URL="postgres://app:pw@db.internal:5432/coordinator",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_URL="submission://mailer:secret@smtp.internal:587",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["db_name"] == "coordinator"
    assert found["layer"] == "channels_redis.core.RedisChannelLayer"
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert found["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert found["email_host"] == "smtp.internal"


# The pool Django builds from the settings (not opened: nothing connects).
POOL_PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "from django.db import connection; db = settings.DATABASES['default']; pool = connection.pool; "
    "print(json.dumps({'max_age': db['CONN_MAX_AGE'], 'checks': db['CONN_HEALTH_CHECKS'], "
    "'pool': pool and [pool.min_size, pool.max_size, pool.timeout], "
    "'checked': bool(pool and pool._check)}))"
)


def _pool(tmp_path: Path, **env: str) -> dict[str, object]:
    return _read(tmp_path, probe=POOL_PROBE, **env)


def test_postgres_connections_are_pooled_and_health_checked(tmp_path: Path) -> None:
    """Under ASGI every request has a thread of its own: without the pool each one kept a
    connection of its own open (the surge's first run took all of the server's)."""
    url = "postgres://app:pw@db.internal:5432/coordinator"
    assert _pool(tmp_path, DATABASE_URL=url) == {
        "max_age": 0,
        "checks": True,
        "pool": [2, 20, 30.0],
        "checked": True,
    }
    sized = _pool(
        tmp_path,
        DATABASE_URL=url,
        DATABASE_POOL_MIN_SIZE="4",
        DATABASE_POOL_MAX_SIZE="12",
        DATABASE_POOL_TIMEOUT="5",
        DATABASE_CONN_MAX_AGE="60",  # ignored: Django's pool refuses persistent connections
    )
    assert sized["pool"] == [4, 12, 5.0]
    assert sized["max_age"] == 0
    assert _pool(tmp_path, DATABASE_URL=url, DATABASE_POOL="false") == {
        "max_age": 60,
        "checks": True,
        "pool": None,
        "checked": False,
    }


def test_debug_only_when_asked_for_in_development(tmp_path: Path) -> None:
    assert _read(tmp_path, DJANGO_DEBUG="true")["debug"] is True
    done = _settings(tmp_path, DJANGO_DEBUG="maybe")
    assert done.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in done.stderr


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set"),
        ("DATABASE_URL", "DATABASE_URL must be set"),
        ("REDIS_URL", "REDIS_URL must be set"),
    ],
)
def test_production_refuses_to_start_without_its_secrets_and_services(
    tmp_path: Path, missing: str, message: str
) -> None:
    env = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://app@db/coordinator",
        "REDIS_URL": "redis://cache:6379/0",
        "DJANGO_ALLOWED_HOSTS": "coordinator.example.org",
    }
    del env[missing]
    done = _settings(tmp_path, **env)
    assert done.returncode != 0
    assert message in done.stderr


def test_production_is_locked_down(tmp_path: Path) -> None:
    found = _read(
        tmp_path,
        DJANGO_ENV="production",
        DJANGO_DEBUG="true",  # ignored: production never debugs
        DJANGO_SECRET_KEY="x" * 60,
        DATABASE_URL="postgres://app@db/coordinator",
        REDIS_URL="redis://cache:6379/0",
        DJANGO_ALLOWED_HOSTS="coordinator.example.org",
    )
    assert found["debug"] is False
    assert found["secure_cookie"] is True
    assert found["hsts"] == 31536000
    # Live pushes through Redis pub/sub unless CHANNEL_LAYER says core (decision 0026).
    assert found["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"


def test_the_channel_layer_is_chosen_by_name(tmp_path: Path) -> None:
    redis = {"REDIS_URL": "redis://cache:6379/4"}
    assert _read(tmp_path, **redis)["layer"] == "channels_redis.core.RedisChannelLayer"
    chosen = _read(tmp_path, CHANNEL_LAYER="pubsub", **redis)
    assert chosen["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert _settings(tmp_path, CHANNEL_LAYER="kafka", **redis).returncode != 0


MIGRATE = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('migrate', verbosity=0); print('{}')"
)


def test_the_embedded_database_is_built_from_nothing(tmp_path: Path) -> None:
    """``make run`` anywhere: every migration applies to SQLite (a PostgreSQL-only operation
    stopped it at partnership 0016 for a day, and CI, on PostgreSQL, did not see it)."""
    done = _settings(tmp_path, probe=MIGRATE)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "db.sqlite3").exists()
