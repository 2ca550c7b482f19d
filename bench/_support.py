"""The Django side of ``bench.live_alerts``, run in a child process of its own.

The benchmark process stays a plain websocket client: it never configures Django, so it measures
nothing but the wire, and ``python -m bench`` can run it beside benchmarks that configure Django
differently. It runs this module with the product's settings and the benchmark's
``DATABASE_URL``/``REDIS_URL``; each command prints one JSON line on stdout::

    python -m bench._support prepare --members 1000   # demo partnership, members, tokens
    python -m bench._support coordinators --count 100  # first 100 of them hold the role, no others
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from collections.abc import Sequence
from typing import Any

MEMBER_PREFIX = "bench-coordinator-"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _username(number: int) -> str:
    return f"{MEMBER_PREFIX}{number:05d}"


def _fast_hashing() -> Any:
    """The bench members never sign in with a password (they use tokens); hashing 1,000
    passwords with PBKDF2 would take minutes on a small machine. (Changing the setting resets
    Django's cached hashers.)"""
    from django.test.utils import override_settings

    return override_settings(PASSWORD_HASHERS=FAST_HASHERS)


def prepare(members: int) -> dict[str, Any]:
    """The demo partnership, ``members`` extra council members (no role yet: see
    ``coordinators``) and an API token for each of them and for the senior police officer."""
    from django.db import transaction

    from partnership import services
    from partnership.auth import token_issue
    from partnership.demo import demo_load
    from partnership.models import Agency, AgencyKind, Area, Member

    demo_load()
    officer = Member.objects.get(username="officer")
    council = Agency.objects.get(kind=AgencyKind.COUNCIL)
    area = Area.objects.order_by("pk").first()
    assert area is not None
    tokens: list[str] = []
    with _fast_hashing(), transaction.atomic():
        existing = {
            m.username: m for m in Member.objects.filter(username__startswith=MEMBER_PREFIX)
        }
        for number in range(1, members + 1):
            member = existing.get(_username(number))
            if member is None:
                # No email address or phone: their alerts go to the websocket only, as the
                # benchmark measures nothing else (and the console email would flood the log).
                member = services.member_create(
                    actor=None,
                    username=_username(number),
                    password=secrets.token_urlsafe(16),
                    agency=council,
                    first_name="Bench",
                    last_name=f"Co-ordinator {number}",
                    job_title="Community Safety Partnership Co-ordinator",
                )
            tokens.append(token_issue(member=member).key)
    return {
        "officer_token": token_issue(member=officer).key,
        "area_id": area.pk,
        "tokens": tokens,
    }


def coordinators(count: int) -> dict[str, Any]:
    """Exactly the first ``count`` bench members hold the CSP Co-ordinator role (the demo
    partnership's own co-ordinator keeps it), so a declaration alerts as many bench members as
    there are clients connected."""
    from django.db import transaction

    from partnership import services
    from partnership.models import Member, Role, RoleAssignment

    wanted = {_username(number) for number in range(1, count + 1)}
    with transaction.atomic():
        held = RoleAssignment.objects.filter(
            role=Role.CSP_COORDINATOR, member__username__startswith=MEMBER_PREFIX
        ).select_related("member")
        holders = set()
        for assignment in held:
            if assignment.member.username in wanted:
                holders.add(assignment.member.username)
            else:
                services.role_revoke(actor=None, assignment=assignment)
        for member in Member.objects.filter(username__in=wanted - holders).order_by("username"):
            services.role_assign(actor=None, member=member, role=Role.CSP_COORDINATOR)
        total = RoleAssignment.objects.filter(role=Role.CSP_COORDINATOR).count()
    return {"bench_coordinators": count, "coordinators": total}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._support")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare").add_argument("--members", type=int, required=True)
    commands.add_parser("coordinators").add_argument("--count", type=int, required=True)
    options = parser.parse_args(argv)
    _django()
    if options.command == "prepare":
        result = prepare(options.members)
    else:
        result = coordinators(options.count)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
