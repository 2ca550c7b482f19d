"""The Django side of ``bench.live_alerts``, run in a child process of its own.

The benchmark process stays a plain websocket client: it never configures Django, so it measures
nothing but the wire, and ``python -m bench`` can run it beside benchmarks that configure Django
differently. It runs this module with the product's settings and the benchmark's
``DATABASE_URL``/``REDIS_URL``; each command prints one JSON line on stdout::

    python -m bench._support prepare --members 1000   # demo partnership, members, tokens
    python -m bench._support coordinators --count 100  # first 100 of them hold the role, no others
    python -m bench._support token --username crro     # an API token for one demo member
    python -m bench._support room --attendees 50       # an open conference, panel, tokens
    python -m bench._support surge --partnerships 50 --members 40   # bench.surge's partnerships
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
    from partnership.demo import PARTNERSHIP_SLUG, demo_load
    from partnership.models import Agency, AgencyKind, Area, Member, Partnership

    demo_load()
    partnership = Partnership.objects.get(slug=PARTNERSHIP_SLUG)
    officer = Member.objects.get(username="officer")
    council = Agency.objects.get(kind=AgencyKind.COUNCIL)
    area = Area.objects.filter(partnership=partnership).order_by("pk").first()
    assert area is not None
    tokens: list[str] = []
    member_ids: list[int] = []
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
                    partnership=partnership,
                    first_name="Bench",
                    last_name=f"Co-ordinator {number}",
                    job_title="Community Safety Partnership Co-ordinator",
                )
            tokens.append(token_issue(member=member).key)
            member_ids.append(member.pk)
    return {
        "officer_token": token_issue(member=officer).key,
        "area_id": area.pk,
        "tokens": tokens,
        # Whose each token is, in the same order (tokens are stored as digests: no table maps a
        # token back to its member).
        "member_ids": member_ids,
    }


def coordinators(count: int) -> dict[str, Any]:
    """Exactly the first ``count`` bench members hold the CSP Co-ordinator role (the demo
    partnership's own co-ordinator keeps it), so a declaration alerts as many bench members as
    there are clients connected."""
    from django.db import transaction

    from partnership import services
    from partnership.demo import PARTNERSHIP_SLUG
    from partnership.models import Member, Partnership, Role, RoleAssignment

    partnership = Partnership.objects.get(slug=PARTNERSHIP_SLUG)
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
            services.role_assign(
                actor=None, partnership=partnership, member=member, role=Role.CSP_COORDINATOR
            )
        total = RoleAssignment.objects.filter(role=Role.CSP_COORDINATOR).count()
    return {"bench_coordinators": count, "coordinators": total}


def token(username: str) -> dict[str, Any]:
    """An API token for one existing member (``bench.load`` acts as the demo CRRO)."""
    from partnership.auth import token_issue
    from partnership.models import Member

    member = Member.objects.get(username=username)
    return {"username": username, "member_id": member.pk, "token": token_issue(member=member).key}


ROOM_PREFIX = "bench-panel-"
ROOM_AGENCIES = [  # beside the demo partnership's six, so the panel spans ten agencies
    ("education", "Bench Milton Keynes Schools"),
    ("probation", "Bench Probation Service"),
    ("youth_offending", "Bench Youth Offending Team"),
    ("voluntary", "Bench Community Forum"),
]


def room(attendees: int) -> dict[str, Any]:
    """For ``bench.conference_room``: an emergency conference chaired by the demo ``chair``, a
    person and their referral on its agenda, ``attendees`` new bench members holding the panel
    member role (spread over the demo agencies and a few extra ones) invited and present, and the
    conference opened; an API token for the chair and for each attendee."""
    import contextlib
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from conference import services as conference_services
    from conference.risk import CHECKLIST
    from notifications.dispatch import senders_wait
    from partnership import services
    from partnership.auth import token_issue
    from partnership.demo import PARTNERSHIP_SLUG, demo_load
    from partnership.models import Agency, Area, Member, Partnership, Role

    # The invitations are emailed to whoever has an address (the demo chair), and the development
    # email backend prints them: keep stdout for the one JSON line.
    with contextlib.redirect_stdout(sys.stderr):
        demo_load()
        partnership = Partnership.objects.get(slug=PARTNERSHIP_SLUG)
        demo = {m.username: m for m in Member.objects.filter(username__in=["coordinator", "chair"])}
        coordinator, chair = demo["coordinator"], demo["chair"]
        for kind, name in ROOM_AGENCIES:
            if not Agency.objects.filter(name=name).exists():
                services.agency_create(actor=None, kind=kind, name=name, partnership=partnership)
        agencies = list(Agency.objects.filter(is_active=True).order_by("pk"))
        panel: list[Member] = []
        with _fast_hashing(), transaction.atomic():
            for number in range(1, attendees + 1):
                username = f"{ROOM_PREFIX}{number:05d}"
                member = Member.objects.filter(username=username).first()
                if member is None:
                    member = services.member_create(
                        actor=None,
                        username=username,
                        password=secrets.token_urlsafe(16),
                        agency=agencies[(number - 1) % len(agencies)],
                        partnership=partnership,
                        first_name="Bench",
                        last_name=f"Panel member {number}",
                        job_title="Panel member",
                    )
                services.role_assign(
                    actor=None, partnership=partnership, member=member, role=Role.PANEL_MEMBER
                )
                panel.append(member)
        person = conference_services.person_create(
            actor=coordinator,
            full_name="Bench Victim",
            area=Area.objects.filter(partnership=partnership).order_by("pk").first(),
        )
        referral = conference_services.referral_create(
            actor=coordinator,
            person=person,
            reason="professional_judgement",
            summary="Targeted repeatedly near home (benchmark).",
            answers={q.code: q.code in {"repeat", "frightened"} for q in CHECKLIST},
            lawful_basis="consent",
        )
        now = timezone.now()
        conference = conference_services.conference_create(
            actor=coordinator,
            kind="emergency",
            title="Bench emergency panel",
            starts_at=now,
            ends_at=now + timedelta(hours=2),
            location="Civic Offices, Room 1",
            chair=chair,
        )
        conference_services.agenda_add(
            actor=coordinator, conference_id=conference.pk, referral=referral
        )
        conference_services.conference_invite(
            actor=coordinator, conference_id=conference.pk, members=panel
        )
        for member in panel:
            conference_services.attendance_record(
                actor=chair, conference_id=conference.pk, member=member, status="present"
            )
        conference_services.conference_open(actor=chair, conference_id=conference.pk)
        sent = senders_wait(timeout=60)
    return {
        "conference_id": conference.pk,
        "chair_token": token_issue(member=chair).key,
        "tokens": [token_issue(member=member).key for member in panel],
        "agencies": len({member.agency_id for member in panel}),
        "invitations_sent": sent,
    }


SURGE_SLUG = "bench-surge-"
SURGE_AGENCIES = [  # every partnership's own six, as the demo partnership has
    ("police", "Police"),
    ("council", "Council"),
    ("rec", "Racial Equality Council"),
    ("victim_support", "Victim Support"),
    ("housing", "Housing"),
    ("health", "NHS"),
]
# Who holds which role in each partnership, as the demo partnership has them: the first members
# fill the protocol's named roles; the rest are partnership members, operational staff and panel
# members spread over the agencies (each agency sends one member to the partnership board).
SURGE_NAMED: list[tuple[str, str, tuple[str, ...]]] = [
    ("police", "Superintendent", ("senior_police_officer",)),
    ("police", "Community and Race Relations Officer", ("crro",)),
    ("police", "Police Partnership Co-ordinator", ("ppc",)),
    ("council", "Community Safety Partnership Co-ordinator", ("csp_coordinator",)),
    ("council", "Deputy Co-ordinator", ("ccsp_member",)),
    ("council", "Chief Executive", ("council_chief_officer",)),
    ("police", "Chief Superintendent", ("gold_group",)),
    ("police", "Superintendent (gold)", ("gold_group",)),
    ("council", "Head of Community Safety", ("conference_chair",)),
    ("rec", "Director", ("ccsp_member",)),
    ("victim_support", "Service Manager", ("ccsp_member",)),
    ("housing", "Housing Manager", ("ccsp_member",)),
    ("health", "Safeguarding Lead", ("ccsp_member",)),
]
SURGE_DEPUTIES = {1: 2, 3: 4}  # the CRRO's deputy is the PPC; the co-ordinator's, the deputy


def surge(partnerships: int, members: int) -> dict[str, Any]:
    """For ``bench.surge``: ``partnerships`` partnerships of ``members`` members each, made by
    the services as an administrator would (own agencies and areas, the source document's
    protocol published, the roles above), and an API token for every member. Returns, per
    partnership, its area and each member's id, token, agency kind and roles."""
    from django.db import transaction

    from escalation.services import protocol_current
    from partnership import services
    from partnership.auth import token_issue
    from partnership.models import Member

    if members < len(SURGE_NAMED):
        raise SystemExit(f"--members must be at least {len(SURGE_NAMED)} (the named roles)")
    kinds = [kind for kind, _ in SURGE_AGENCIES]
    built: list[dict[str, Any]] = []
    with _fast_hashing():
        for number in range(1, partnerships + 1):
            town = f"Surge Town {number:02d}"
            with transaction.atomic():
                partnership = services.partnership_create(
                    actor=None,
                    name=f"{town} Hate Crime Partnership",
                    slug=f"{SURGE_SLUG}{number:02d}",
                )
                agencies = {
                    kind: services.agency_create(
                        actor=None, kind=kind, name=f"{town} {name}", partnership=partnership
                    )
                    for kind, name in SURGE_AGENCIES
                }
                areas = [
                    services.area_create(actor=None, partnership=partnership, name=f"{town} {a}")
                    for a in ("North", "South", "East", "West")
                ]
                protocol_current(partnership)
                people: list[tuple[Member, str, tuple[str, ...]]] = []
                for index in range(members):
                    roles: tuple[str, ...]
                    if index < len(SURGE_NAMED):
                        kind, title, roles = SURGE_NAMED[index]
                    else:
                        kind = kinds[index % len(kinds)]
                        title, roles = (
                            ("Neighbourhood Warden", ("operational_staff",))
                            if kind == "council" or index % 3 == 0
                            else ("Caseworker", ("panel_member",))
                        )
                    username = f"surge-{number:02d}-{index:03d}"
                    member = services.member_create(
                        actor=None,
                        username=username,
                        password=secrets.token_urlsafe(16),
                        agency=agencies[kind],
                        partnership=partnership,
                        first_name="Surge",
                        last_name=f"{title} {number}.{index}",
                        # An address, as real members have: urgent messages are emailed too
                        # (the console backend records them), beside the live alert.
                        email=f"{username}@bench.invalid",
                        job_title=title,
                    )
                    people.append((member, kind, roles))
                for index, (member, _, roles) in enumerate(people):
                    deputy = people[SURGE_DEPUTIES[index]][0] if index in SURGE_DEPUTIES else None
                    for role in roles:
                        services.role_assign(
                            actor=None,
                            partnership=partnership,
                            member=member,
                            role=role,
                            deputy=deputy,
                        )
            built.append(
                {
                    "partnership_id": partnership.pk,
                    "area_id": areas[0].pk,
                    "members": [
                        {
                            "id": member.pk,
                            "token": token_issue(member=member).key,
                            "agency": kind,
                            "roles": list(roles),
                        }
                        for member, kind, roles in people
                    ],
                }
            )
            print(f"  partnership {number}/{partnerships} built", file=sys.stderr, flush=True)
    return {"partnerships": built}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._support")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare").add_argument("--members", type=int, required=True)
    commands.add_parser("coordinators").add_argument("--count", type=int, required=True)
    commands.add_parser("token").add_argument("--username", required=True)
    commands.add_parser("room").add_argument("--attendees", type=int, required=True)
    surge_command = commands.add_parser("surge")
    surge_command.add_argument("--partnerships", type=int, required=True)
    surge_command.add_argument("--members", type=int, required=True)
    options = parser.parse_args(argv)
    _django()
    if options.command == "prepare":
        result = prepare(options.members)
    elif options.command == "coordinators":
        result = coordinators(options.count)
    elif options.command == "room":
        result = room(options.attendees)
    elif options.command == "surge":
        result = surge(options.partnerships, options.members)
    else:
        result = token(options.username)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
