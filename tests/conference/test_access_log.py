"""The access log of personal data is a hash chain like the timeline: each view is linked to the
one before, and an entry edited, removed or forged behind the application's back is found by the
command and on the review app's page, at that entry."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from conference import services
from conference.access_log import ACCESS_LOG, access_log_verify
from conference.models import Person, PersonAccess
from partnership.chain import GENESIS_HASH
from partnership.models import Member
from tests import factories
from tests.tampering import behind_the_back
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _views(demo: dict[str, Member], n: int) -> tuple[Person, list[PersonAccess]]:
    person = factories.person(full_name="Ilse Brackenridge")
    for _ in range(n):
        services.person_open(member=demo["coordinator"], pk=person.pk, what="record")
    return person, list(PersonAccess.objects.order_by("seq"))


def test_each_view_is_linked_to_the_one_before(demo: dict[str, Member]) -> None:
    _, rows = _views(demo, 3)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS_HASH
    assert rows[1].prev_hash == rows[0].hash
    assert rows[2].hash == ACCESS_LOG.hash_of(rows[2])
    report = access_log_verify()
    assert report.ok, report.describe()
    assert report.checked == 3
    assert report.last_hash == rows[2].hash


def test_a_list_logs_each_person_once_in_one_link_each(demo: dict[str, Member]) -> None:
    people = [factories.person(full_name=f"Listed {i}") for i in range(3)]
    services.person_access_record(
        member=demo["coordinator"], people=[*people, people[0]], what="list"
    )
    rows = list(PersonAccess.objects.order_by("seq"))
    assert [r.person_id for r in rows] == [p.pk for p in people]
    assert access_log_verify().ok


def test_an_entry_edited_in_sql_breaks_the_log_at_that_entry(demo: dict[str, Member]) -> None:
    _views(demo, 5)
    other = demo["chair"]
    behind_the_back("UPDATE conference_personaccess SET member_id = %s WHERE seq = 3", [other.pk])
    report = access_log_verify()
    assert not report.ok
    assert report.broken_seq == 3
    assert "edited" in report.problem
    assert report.describe().startswith("The access log is broken at entry 3")


def test_a_forged_hash_is_caught_by_the_next_entry(demo: dict[str, Member]) -> None:
    _views(demo, 3)
    behind_the_back("UPDATE conference_personaccess SET what = 'nothing' WHERE seq = 2", [])
    forged = PersonAccess.objects.get(seq=2)
    behind_the_back(
        "UPDATE conference_personaccess SET hash = %s WHERE seq = 2", [ACCESS_LOG.hash_of(forged)]
    )
    report = access_log_verify()
    assert report.broken_seq == 3
    assert "does not link" in report.problem


def test_a_removed_entry_breaks_the_log(demo: dict[str, Member]) -> None:
    _views(demo, 4)
    behind_the_back("DELETE FROM conference_personaccess WHERE seq = 2", [])
    report = access_log_verify()
    assert report.broken_seq == 2
    assert "entries 2 to 2 are missing" in report.problem


def test_the_command_names_the_broken_entry(demo: dict[str, Member]) -> None:
    _views(demo, 3)
    call_command("verify_access_log")  # intact: no error
    behind_the_back("UPDATE conference_personaccess SET what = 'list' WHERE seq = 2", [])
    with pytest.raises(CommandError, match="broken at entry 2"):
        call_command("verify_access_log")


def test_the_access_log_page_states_the_chain(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    _views(demo, 2)
    gold = client_for("gold")
    page = gold.get("/access-log/").content.decode()
    assert "The access log verifies" in page
    assert "2 entries checked" in page
    behind_the_back("UPDATE conference_personaccess SET what = 'list' WHERE seq = 1", [])
    page = gold.get("/access-log/").content.decode()
    assert "The access log cannot be trusted" in page
    assert "BROKEN at entry 1" in page


def test_the_api_states_the_chain(demo: dict[str, Member], client_for: ClientFor) -> None:
    _views(demo, 3)
    gold = client_for("gold")
    intact = gold.get("/api/access-log/integrity/").json()
    assert intact["verifies"] is True
    assert intact["checked_entries"] == 3
    behind_the_back("UPDATE conference_personaccess SET what = 'list' WHERE seq = 2", [])
    broken = gold.get("/api/access-log/integrity/").json()
    assert (broken["verifies"], broken["broken_at_seq"]) == (False, 2)
    assert client_for("coordinator").get("/api/access-log/integrity/").status_code == 403


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    ["UPDATE conference_personaccess SET what = 'changed'", "DELETE FROM conference_personaccess"],
)
def test_postgres_refuses_update_and_delete(demo: dict[str, Member], sql: str) -> None:
    _views(demo, 1)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
