"""The test process's database connection set otherwise for one test."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import connection


@contextlib.contextmanager
def connection_settings(
    changed: dict[str, Any] | None = None, *, pool: dict[str, Any] | None = None
) -> Iterator[None]:
    """The connection with some settings ``changed`` (``PORT``, ``NAME``) and, when it is pooled,
    some of the pool's options (``max_size``, ``timeout``), then as it was. The pool made with the
    old settings is closed first (it would go on lending connections made with them) and again at
    the end (the next test gets one made with the real settings)."""
    saved = dict(connection.settings_dict)
    pooled = bool(connection.settings_dict.get("OPTIONS", {}).get("pool"))
    connection.close()
    if pooled:
        connection.close_pool()  # type: ignore[attr-defined]  # PostgreSQL's wrapper
        options = dict(connection.settings_dict["OPTIONS"])
        options["pool"] = dict(options["pool"], **(pool or {}))
        connection.settings_dict["OPTIONS"] = options
    connection.settings_dict.update(changed or {})
    try:
        yield
    finally:
        connection.close()
        if pooled:
            connection.close_pool()  # type: ignore[attr-defined]  # PostgreSQL's wrapper
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
