"""Scopes and audiences are built, stored and read in one place, in the text format the database
has always held (so existing rows read back as they were written)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from partnership.audiences import Audience, AudienceKind
from partnership.models import AgencyKind, Role
from partnership.scopes import Scope, ScopeKind


def test_a_scope_is_stored_as_it_always_was_and_read_back() -> None:
    assert str(Scope.incident(12)) == "incident:12"
    assert str(Scope.person(3)) == "person:3"
    assert str(Scope.conference(7)) == "conference:7"
    assert str(Scope.calendar("scotland")) == "calendar:scotland"
    for text in ("incident:12", "person:3", "conference:7", "calendar:england-and-wales"):
        assert str(Scope.parse(text)) == text
    assert Scope.parse("incident:12") == Scope.incident(12)
    assert Scope.parse("incident:12").pk == 12
    assert Scope.stored(None) == ""
    assert Scope.parse_stored("") is None


@pytest.mark.parametrize(
    "text",
    [
        "incident",
        "incident:",
        "incident:x",
        "incident:0",
        "incident:012",
        "case:1",
        ":1",
        "calendar:atlantis",
    ],
)
def test_text_that_is_no_scope_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"scope|record id|division"):
        Scope.parse(text)


def test_the_ids_of_one_kind_are_read_from_stored_scopes() -> None:
    stored = ["incident:4", "person:4", "incident:9", "", "conference:4"]
    assert Scope.ids_of(ScopeKind.INCIDENT, stored) == {4, 9}
    assert all(text.startswith(Scope.kind_prefix(ScopeKind.INCIDENT)) for text in stored[::2][:2])


def test_an_audience_is_stored_as_it_always_was_and_read_back() -> None:
    cases = {
        Audience.role(Role.CRRO): "role:crro",
        Audience.deputy(Role.CSP_COORDINATOR): "deputy:csp_coordinator",
        Audience.agency(AgencyKind.RACIAL_EQUALITY_COUNCIL): "agency:rec",
        Audience.member(12): "member:12",
        Audience.owner(): "owner",
        Audience.repeat(): "repeat",
        Audience.owners_deputies(): "deputy",
    }
    for audience, text in cases.items():
        assert str(audience) == text
        assert Audience.parse(text) == audience
    assert Audience.parse("member:12").member_id == 12
    assert Audience.parse("deputy:crro").role_code == Role.CRRO
    assert Audience.stored([Audience.role("crro"), Audience.member(3)]) == ["role:crro", "member:3"]
    assert Audience.joined([Audience.role("crro"), Audience.member(3)]) == "role:crro, member:3"


@pytest.mark.parametrize(
    "text", ["role:astronaut", "agency:bank", "member:x", "member:0", "crowd:all", "owner:1", ""]
)
def test_text_that_is_no_audience_is_refused_with_words(text: str) -> None:
    with pytest.raises(ValidationError, match="is not an audience"):
        Audience.parse(text)


def test_ladder_words_are_audiences_only_on_a_ladder() -> None:
    for word in ("owner", "repeat", "deputy"):
        assert Audience.parse(word).is_relative
        with pytest.raises(ValidationError, match="is not an audience"):
            Audience.parse_absolute(word)
    assert not Audience.parse_absolute("deputy:crro").is_relative
    assert Audience.parse("owner").kind == AudienceKind.OWNER


def test_an_audience_in_words() -> None:
    assert Audience.role(Role.CRRO).label == "Community and Race Relations Officer"
    assert Audience.deputy(Role.CRRO).label == (
        "Deputy of the Community and Race Relations Officer"
    )
    assert Audience.agency("rec").label == "Racial Equality Council"
    assert Audience.member(4).label == "One named member"
    assert Audience.owners_deputies().label == "The owner's deputy"
