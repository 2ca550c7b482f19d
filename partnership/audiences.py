"""Audiences: whom a message is addressed to, as a protocol step, a ladder rung or a sender names
them ("the CRRO", "the Racial Equality Council", "the deputy of the CSP Co-ordinator", one member).

The one place that builds, reads, checks and words them. They are stored as text
(``"role:crro"``, ``"agency:rec"``, ``"deputy:csp_coordinator"``, ``"member:12"``) in protocol
steps, ladders, notifications and the timeline; code builds them with the constructors and asks
the value, never splits the text. Who an audience means at the moment of sending is
``notifications.audiences.audience_members``.

Ladders also use three words that mean someone only relative to the laddered thing: ``owner``
(whoever is responsible for it), ``repeat`` (an acknowledgement ladder's owner: the recipient,
reminded) and a bare ``deputy`` (the owner's deputies). They are audiences of this type too, so a
rung's ``to`` is one value; ``is_relative`` tells them apart, and only a ladder resolves them.

When one service holds several partnerships (issue 12), an audience will name its partnership
here (a field, its place in ``__str__`` and ``parse``) and ``audience_members`` will look within it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError

from partnership.models import AgencyKind, Role


class AudienceKind(StrEnum):
    ROLE = "role"  # everyone who holds the role
    DEPUTY = "deputy"  # the deputies of everyone who holds the role; alone, the owner's
    AGENCY = "agency"  # who speaks for each agency of the kind
    MEMBER = "member"  # one member
    OWNER = "owner"  # in a ladder: whoever is responsible for the thing
    REPEAT = "repeat"  # in an acknowledgement ladder: the recipient, reminded


_RELATIVE_KINDS = frozenset({AudienceKind.OWNER, AudienceKind.REPEAT})
_SHAPES = "role:…, deputy:…, agency:…, member:…"


@dataclass(frozen=True, order=True)
class Audience:
    kind: AudienceKind
    # A role code (role, deputy), an agency kind (agency), a member's id (member); "" for the
    # ladder words.
    value: str = ""

    def __post_init__(self) -> None:
        kind, value = self.kind, self.value
        if kind in _RELATIVE_KINDS or (kind == AudienceKind.DEPUTY and not value):
            valid = not value
        elif kind in (AudienceKind.ROLE, AudienceKind.DEPUTY):
            valid = value in Role.values
        elif kind == AudienceKind.AGENCY:
            valid = value in AgencyKind.values
        else:
            valid = value.isdigit() and value == str(int(value)) and int(value) > 0
        if not valid:
            raise ValidationError(f"{str(self)!r} is not an audience ({_SHAPES})")

    # --- Building -----------------------------------------------------------------------------
    @classmethod
    def role(cls, role: Role | str) -> Audience:
        return cls(AudienceKind.ROLE, str(role))

    @classmethod
    def deputy(cls, role: Role | str) -> Audience:
        """The deputies of everyone who holds ``role``."""
        return cls(AudienceKind.DEPUTY, str(role))

    @classmethod
    def agency(cls, kind: AgencyKind | str) -> Audience:
        return cls(AudienceKind.AGENCY, str(kind))

    @classmethod
    def member(cls, pk: int) -> Audience:
        return cls(AudienceKind.MEMBER, str(pk))

    @classmethod
    def owner(cls) -> Audience:
        return cls(AudienceKind.OWNER)

    @classmethod
    def repeat(cls) -> Audience:
        return cls(AudienceKind.REPEAT)

    @classmethod
    def owners_deputies(cls) -> Audience:
        """A ladder's bare ``deputy``: the deputies of the thing's owner."""
        return cls(AudienceKind.DEPUTY)

    # --- Reading ------------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Audience:
        """The audience a stored or submitted text names; ``ValidationError`` (with a message a
        person understands) when it names none."""
        kind, _, value = str(text).partition(":")
        if kind not in AudienceKind.__members__.values():
            raise ValidationError(f"{text!r} is not an audience ({_SHAPES})")
        return cls(AudienceKind(kind), value)

    @classmethod
    def parse_all(cls, texts: Iterable[str]) -> list[Audience]:
        return [cls.parse(text) for text in texts]

    @classmethod
    def parse_absolute(cls, text: str) -> Audience:
        """As ``parse``, refusing the ladder words: for whom a message is sent to."""
        audience = cls.parse(text)
        if audience.is_relative:
            raise ValidationError(f"{text!r} is not an audience ({_SHAPES})")
        return audience

    @staticmethod
    def stored(audiences: Iterable[Audience]) -> list[str]:
        """How a list of audiences is kept in a JSON field or an audit event."""
        return [str(audience) for audience in audiences]

    @staticmethod
    def joined(audiences: Sequence[Audience]) -> str:
        """How a list of audiences is kept in one text field (a ladder rung's ``audience``)."""
        return ", ".join(str(audience) for audience in audiences)

    @property
    def is_relative(self) -> bool:
        """A ladder word, meaning someone only relative to the laddered thing."""
        return self.kind in _RELATIVE_KINDS or (self.kind == AudienceKind.DEPUTY and not self.value)

    @property
    def role_code(self) -> Role:
        """The role of a ``role`` or ``deputy`` audience."""
        if self.kind not in (AudienceKind.ROLE, AudienceKind.DEPUTY) or not self.value:
            raise ValueError(f"{self} names no role")
        return Role(self.value)

    @property
    def agency_kind(self) -> AgencyKind:
        if self.kind != AudienceKind.AGENCY:
            raise ValueError(f"{self} names no kind of agency")
        return AgencyKind(self.value)

    @property
    def member_id(self) -> int:
        if self.kind != AudienceKind.MEMBER:
            raise ValueError(f"{self} names no member")
        return int(self.value)

    @property
    def label(self) -> str:
        """The audience in words, as a page or a timeline shows it."""
        if self.kind == AudienceKind.ROLE:
            return str(self.role_code.label)
        if self.kind == AudienceKind.DEPUTY:
            return f"Deputy of the {self.role_code.label}" if self.value else "The owner's deputy"
        if self.kind == AudienceKind.AGENCY:
            return str(self.agency_kind.label)
        if self.kind == AudienceKind.MEMBER:
            return "One named member"
        if self.kind == AudienceKind.OWNER:
            return "The owner"
        return "The recipient again"

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}" if self.value else str(self.kind)
