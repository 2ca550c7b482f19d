"""The demo partnership that ``make run`` loads: every role of the protocol, filled by someone.

Loading is idempotent: what exists is left alone, so a second run changes nothing (no new rows,
no new timeline events, no password re-hashed).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from partnership import services
from partnership.models import Agency, AgencyKind, Area, Member, Partnership, Role, RoleAssignment

PARTNERSHIP_NAME = "Milton Keynes Hate Crime Partnership"
PARTNERSHIP_SLUG = "milton-keynes"

AGENCIES = [
    (AgencyKind.POLICE, "Thames Valley Police"),
    (AgencyKind.COUNCIL, "Milton Keynes Council"),
    (AgencyKind.RACIAL_EQUALITY_COUNCIL, "Milton Keynes Racial Equality Council"),
    (AgencyKind.VICTIM_SUPPORT, "Victim Support Milton Keynes"),
    (AgencyKind.HOUSING, "Milton Keynes Housing"),
    (AgencyKind.HEALTH, "Milton Keynes NHS"),
]
AREAS = ["Bletchley", "Central Milton Keynes", "Woughton", "Wolverton"]


@dataclass(frozen=True)
class DemoMember:
    username: str
    first_name: str
    last_name: str
    agency: str
    job_title: str
    roles: tuple[Role, ...]
    deputy: str = ""


POLICE, COUNCIL, REC = AGENCIES[0][1], AGENCIES[1][1], AGENCIES[2][1]
MEMBERS = [
    DemoMember(
        "officer", "Olivia", "Okafor", POLICE, "Superintendent", (Role.SENIOR_POLICE_OFFICER,)
    ),
    DemoMember(
        "crro",
        "Ravi",
        "Chandra",
        POLICE,
        "Community and Race Relations Officer",
        (Role.CRRO,),
        deputy="ppc",
    ),
    DemoMember("rec", "Rebecca", "Mensah", REC, "Director", (Role.CCSP_MEMBER,)),
    DemoMember(
        "coordinator",
        "Claire",
        "Dunmore",
        COUNCIL,
        "Community Safety Partnership Co-ordinator",
        (Role.CSP_COORDINATOR,),
        deputy="coordinator2",
    ),
    DemoMember(
        "coordinator2", "Colin", "Doyle", COUNCIL, "Deputy Co-ordinator", (Role.CCSP_MEMBER,)
    ),
    DemoMember(
        "ppc",
        "Priya",
        "Patel",
        POLICE,
        "Police Partnership Co-ordinator",
        (Role.POLICE_PARTNERSHIP_COORDINATOR,),
    ),
    DemoMember(
        "chief", "Charles", "Ibekwe", COUNCIL, "Chief Executive", (Role.COUNCIL_CHIEF_OFFICER,)
    ),
    DemoMember(
        "staff", "Sam", "Taylor", COUNCIL, "Neighbourhood Warden", (Role.OPERATIONAL_STAFF,)
    ),
    DemoMember("member", "Mary", "Lewis", AGENCIES[3][1], "Service Manager", (Role.CCSP_MEMBER,)),
    DemoMember(
        "chair", "Harold", "Chen", COUNCIL, "Head of Community Safety", (Role.CONFERENCE_CHAIR,)
    ),
    DemoMember("panel-police", "Paul", "Reid", POLICE, "Hate Crime Officer", (Role.PANEL_MEMBER,)),
    DemoMember(
        "panel-housing", "Hana", "Ali", AGENCIES[4][1], "Tenancy Officer", (Role.PANEL_MEMBER,)
    ),
    DemoMember(
        "panel-health", "Henry", "Owusu", AGENCIES[5][1], "Safeguarding Lead", (Role.PANEL_MEMBER,)
    ),
    DemoMember("gold", "Grace", "Holt", POLICE, "Chief Superintendent", (Role.GOLD_GROUP,)),
    DemoMember("admin", "Adam", "Price", COUNCIL, "Systems Administrator", (Role.ADMINISTRATOR,)),
]


# What other apps put in place beside the directory (the escalation engine publishes the source
# document's protocol). They register here when ready: this bottom app imports none of them.
_DEMO_EXTRAS: list[Callable[[Partnership], object]] = []


def demo_extra_register(step: Callable[[Partnership], object]) -> None:
    """Run ``step`` for each demo partnership (idempotent, like the rest of the demo) whenever
    the demo is loaded."""
    _DEMO_EXTRAS.append(step)


def demo_extras() -> list[Callable[[Partnership], object]]:
    return list(_DEMO_EXTRAS)


# What must finish before the command that loaded the demo exits (the notifications' senders,
# which send on threads after commit: a process exiting under them fails their sends).
_DEMO_FINISHERS: list[Callable[[], object]] = []


def demo_finish_register(finish: Callable[[], object]) -> None:
    """Run ``finish`` once the demo is loaded, before ``load_demo`` returns."""
    _DEMO_FINISHERS.append(finish)


def demo_finishers() -> list[Callable[[], object]]:
    return list(_DEMO_FINISHERS)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD", "demo-pass")


@dataclass(frozen=True)
class DemoPartnership:
    name: str
    slug: str
    agencies: list[tuple[AgencyKind, str]]
    areas: list[str]
    # Members and the roles they hold here; a username already loaded for another partnership
    # is the same person, holding (other) roles here too.
    members: list[DemoMember]


MILTON_KEYNES = DemoPartnership(PARTNERSHIP_NAME, PARTNERSHIP_SLUG, AGENCIES, AREAS, MEMBERS)

# The neighbour under the same police force: Thames Valley Police sits in both, and some of its
# officers hold other roles here (the CRRO of Milton Keynes is a panel member in Aylesbury Vale;
# its Police Partnership Co-ordinator is the CRRO here).
NEIGHBOUR_SLUG = "aylesbury-vale"
BUCKS = "Buckinghamshire Council"
NEIGHBOUR_AGENCIES = [
    (AgencyKind.POLICE, POLICE),
    (AgencyKind.COUNCIL, BUCKS),
    (AgencyKind.RACIAL_EQUALITY_COUNCIL, "Aylesbury Vale Racial Equality Council"),
    (AgencyKind.HOUSING, "Buckinghamshire Housing"),
]
NEIGHBOUR_MEMBERS = [
    DemoMember(
        "officer", "Olivia", "Okafor", POLICE, "Superintendent", (Role.SENIOR_POLICE_OFFICER,)
    ),
    DemoMember("ppc", "Priya", "Patel", POLICE, "Police Partnership Co-ordinator", (Role.CRRO,)),
    DemoMember(
        "panel-police",
        "Paul",
        "Reid",
        POLICE,
        "Hate Crime Officer",
        (Role.POLICE_PARTNERSHIP_COORDINATOR,),
    ),
    DemoMember(
        "crro",
        "Ravi",
        "Chandra",
        POLICE,
        "Community and Race Relations Officer",
        (Role.PANEL_MEMBER,),
    ),
    DemoMember("gold", "Grace", "Holt", POLICE, "Chief Superintendent", (Role.GOLD_GROUP,)),
    DemoMember(
        "av-coordinator",
        "Amira",
        "Begum",
        BUCKS,
        "Community Safety Partnership Co-ordinator",
        (Role.CSP_COORDINATOR,),
        deputy="av-chief",
    ),
    DemoMember(
        "av-chief", "Bernard", "Walsh", BUCKS, "Corporate Director", (Role.COUNCIL_CHIEF_OFFICER,)
    ),
    DemoMember(
        "av-chair", "Helen", "Marsh", BUCKS, "Head of Community Safety", (Role.CONFERENCE_CHAIR,)
    ),
    DemoMember("av-staff", "Tom", "Baker", BUCKS, "Community Warden", (Role.OPERATIONAL_STAFF,)),
    DemoMember(
        "av-rec",
        "Kwame",
        "Asante",
        NEIGHBOUR_AGENCIES[2][1],
        "Director",
        (Role.CCSP_MEMBER,),
    ),
    DemoMember(
        "av-panel-housing",
        "Nadia",
        "Hussain",
        NEIGHBOUR_AGENCIES[3][1],
        "Tenancy Officer",
        (Role.PANEL_MEMBER,),
    ),
    DemoMember(
        "av-admin", "Alice", "Morgan", BUCKS, "Systems Administrator", (Role.ADMINISTRATOR,)
    ),
]
AYLESBURY_VALE = DemoPartnership(
    "Aylesbury Vale Hate Crime Partnership",
    NEIGHBOUR_SLUG,
    NEIGHBOUR_AGENCIES,
    ["Aylesbury", "Buckingham", "Wendover", "Winslow"],
    NEIGHBOUR_MEMBERS,
)
DEMO_PARTNERSHIPS = (MILTON_KEYNES, AYLESBURY_VALE)


def demo_partnerships() -> list[Partnership]:
    return list(Partnership.objects.filter(slug__in=[p.slug for p in DEMO_PARTNERSHIPS]))


@transaction.atomic
def demo_load(*, with_neighbour: bool = False) -> int:
    """Create whatever of the demo partnership (and, ``with_neighbour``, of its neighbour) is
    missing. Returns how many things changed."""
    changed = _partnership_load(MILTON_KEYNES)
    if with_neighbour:
        changed += _partnership_load(AYLESBURY_VALE)
    return changed


def _partnership_load(spec: DemoPartnership) -> int:
    changed = 0
    partnership = Partnership.objects.filter(slug=spec.slug).first()
    if partnership is None:
        partnership = services.partnership_create(actor=None, name=spec.name, slug=spec.slug)
        changed += 1
    agencies: dict[str, Agency] = {}
    for kind, name in spec.agencies:
        agency = Agency.objects.filter(name=name).first()
        if agency is None:
            agency = services.agency_create(actor=None, kind=kind, name=name)
            changed += 1
        if not agency.partnerships.filter(pk=partnership.pk).exists():
            services.agency_join(actor=None, agency=agency, partnership=partnership)
            changed += 1
        agencies[name] = agency
    for name in spec.areas:
        if not Area.objects.filter(partnership=partnership, name=name).exists():
            services.area_create(actor=None, partnership=partnership, name=name)
            changed += 1

    password = demo_password()
    members: dict[str, Member] = {}
    for member_spec in spec.members:
        member = Member.objects.filter(username=member_spec.username).first()
        if member is None:
            member = services.member_create(
                actor=None,
                username=member_spec.username,
                password=password,
                agency=agencies[member_spec.agency],
                first_name=member_spec.first_name,
                last_name=member_spec.last_name,
                email=f"{member_spec.username}@demo.invalid",
                job_title=member_spec.job_title,
                phone="01908 000000",
            )
            changed += 1
        elif not member.check_password(password):
            # DEMO_PASSWORD changed since the last load.
            member.set_password(password)
            member.save(update_fields=["password"])
            changed += 1
        members[member_spec.username] = member

    for member_spec in spec.members:
        deputy = members[member_spec.deputy] if member_spec.deputy else None
        for role in member_spec.roles:
            existing = RoleAssignment.objects.filter(
                partnership=partnership, member=members[member_spec.username], role=role
            ).first()
            if existing is None or existing.deputy_id != (deputy.pk if deputy else None):
                services.role_assign(
                    actor=None,
                    partnership=partnership,
                    member=members[member_spec.username],
                    role=role,
                    deputy=deputy,
                )
                changed += 1
    return changed
