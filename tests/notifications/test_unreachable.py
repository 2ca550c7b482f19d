"""Issue 13 item 12: a failure must not multiply the load. A failed live push is not an
undeliverable message (the page replays it), and a channel that fails for many people tells each
CSP Co-ordinator at most twice per interval: the first person at once, the rest in one digest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from notifications.dispatch import deliveries_send
from notifications.jobs import unreachable_digest_run
from notifications.models import ContactPreference, Delivery, DeliveryState, Notification
from partnership.audiences import Audience
from partnership.models import Agency, Member, Role, RoleAssignment
from tests import factories
from tests.notifications.conftest import Backends

pytestmark = pytest.mark.django_db

PEOPLE = 1000


def _staff(count: int, *, sms: bool) -> list[Member]:
    agency = Agency.objects.get(name="Milton Keynes Council")
    members = Member.objects.bulk_create(
        Member(
            username=f"staff-{i}",
            first_name="Staff",
            last_name=f"Member {i}",
            agency=agency,
            phone=f"+4477009{i:05d}",
            email="",
        )
        for i in range(count)
    )
    # Built in bulk (a thousand through the services would dominate the run), as they would be.
    partnership = factories.partnership()
    Member.partnerships.through.objects.bulk_create(
        Member.partnerships.through(member_id=m.pk, partnership_id=partnership.pk) for m in members
    )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(partnership=partnership, member=m, role=Role.OPERATIONAL_STAFF)
        for m in members
    )
    ContactPreference.objects.bulk_create(
        ContactPreference(member=m, email=False, sms=sms) for m in members
    )
    return members


def _tell_staff(cause: str) -> list[Notification]:
    return factories.notifications(
        audiences=[Audience.role(Role.OPERATIONAL_STAFF)],
        subject=factories.agency("Milton Keynes Council"),
        cause=cause,
        title="Stand by for a briefing",
        body="A briefing follows.",
        ack_ladder=[],
    )


def _notices() -> list[Notification]:
    return list(Notification.objects.filter(recipient__role_assignments__role=Role.CSP_COORDINATOR))


def test_a_channel_failing_for_a_thousand_people_tells_each_coordinator_twice(
    demo: dict[str, Member], backends: Backends, settings: Any
) -> None:
    backends(sms="tests.notifications.backends.RefusingBackend")
    _staff(PEOPLE, sms=True)
    sent = _tell_staff("outage:sms")
    assert len(sent) >= PEOPLE
    coordinators = Member.objects.filter(role_assignments__role=Role.CSP_COORDINATOR).count()
    deliveries_send([n.pk for n in sent])
    assert (
        Delivery.objects.filter(
            notification__in=sent, channel="sms", state=DeliveryState.FAILED
        ).count()
        == PEOPLE
    )
    first = _notices()
    assert len(first) == coordinators
    assert first[0].title.startswith("Could not reach Staff Member")

    # Within the interval nothing more goes out; at its end, one digest per co-ordinator.
    assert unreachable_digest_run(timezone.now() + timedelta(seconds=60)) is not None
    assert len(_notices()) == coordinators
    assert unreachable_digest_run(timezone.now() + timedelta(minutes=11)) is None
    notices = _notices()
    assert len(notices) == 2 * coordinators
    digest = next(n for n in notices if n not in first)
    assert digest.title == (
        f"Text messages could not reach {PEOPLE - 1} people in the last 10 minutes"
    )
    assert "… and 949 more notifications" in digest.body
    assert unreachable_digest_run(timezone.now() + timedelta(minutes=30)) is None
    assert len(_notices()) == 2 * coordinators  # nobody reported twice


def test_a_failed_live_push_is_not_an_undeliverable_message(demo: dict[str, Member]) -> None:
    _staff(PEOPLE, sms=False)  # live alerts only
    sent = _tell_staff("outage:live")
    with mock.patch(
        "notifications.dispatch.group_send_many_now", side_effect=lambda sends: [False] * len(sends)
    ):
        deliveries_send([n.pk for n in sent])
    assert (
        Delivery.objects.filter(
            notification__in=sent, channel="live", state=DeliveryState.FAILED
        ).count()
        >= PEOPLE
    )
    assert _notices() == []
    assert unreachable_digest_run(timezone.now() + timedelta(hours=1)) is None
    assert _notices() == []


def test_each_partnership_hears_only_of_its_own_unreachable_people(
    demo: dict[str, Member], backends: Backends
) -> None:
    backends(sms="tests.notifications.backends.RefusingBackend")
    neighbour = factories.partnership_new(name="Aylesbury Vale (unreachable)", slug="av-unreach")
    council = factories.agency_new(
        kind="council", name="Bucks Council (unreachable)", within=neighbour
    )
    av_coordinator = factories.member(
        username="av-coord", agency=council, roles=[Role.CSP_COORDINATOR], within=neighbour
    )
    for number in range(3):
        staff = factories.member(
            username=f"av-staff-{number}",
            agency=council,
            roles=[Role.OPERATIONAL_STAFF],
            within=neighbour,
            last_name=f"Buckinghamshire {number}",
        )
        ContactPreference.objects.create(
            member=staff, email=False, sms=True, sms_number=f"+447700900{number:03d}"
        )
    _staff(3, sms=True)
    sent = _tell_staff("outage:mk") + factories.notifications(
        audiences=[Audience.role(Role.OPERATIONAL_STAFF)],
        subject=council,
        cause="outage:av",
        title="Stand by",
        ack_ladder=[],
        within=neighbour,
    )
    deliveries_send([n.pk for n in sent])
    assert unreachable_digest_run(timezone.now() + timedelta(minutes=11)) is None

    def told(member: Member) -> str:
        return "\n".join(
            f"{n.title}\n{n.body}" for n in Notification.objects.filter(recipient=member)
        )

    av_told, mk_told = told(av_coordinator), told(demo["coordinator"])
    assert "Buckinghamshire" in av_told
    assert "Staff Member" not in av_told
    assert "Staff Member" in mk_told
    assert "Buckinghamshire" not in mk_told
