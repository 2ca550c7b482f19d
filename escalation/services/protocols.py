"""Protocol versions: drafts, publishing, and the published version new declarations run under."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from escalation.models import (
    ProtocolState,
    ProtocolStep,
    ProtocolVersion,
)
from escalation.protocol import DEFAULT_PROTOCOL_NAME, DEFAULT_STEPS
from notifications.ladder.rungs import OWNER, REPEAT, ladder_validate
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.locks import advisory_xact_lock
from partnership.models import Member, Partnership
from partnership.permissions import require
from partnership.timeline import audit_record


# --- Protocol versions ---------------------------------------------------------------------------
def _steps_validate(steps: Sequence[dict[str, Any]]) -> None:
    codes = [step["code"] for step in steps]
    if len(set(codes)) != len(codes):
        raise ValidationError("Each step of a protocol needs its own code.")
    for position, step in enumerate(steps):
        if step["deadline_kind"] != "immediate" and int(step.get("deadline_amount", 0)) < 1:
            raise ValidationError(f"Step {step['code']!r} needs a deadline amount of at least 1.")
        if step.get("owner_role") == "" and step.get("ladder"):
            raise ValidationError(
                f"Step {step['code']!r} has no owner, so it cannot have a ladder."
            )
        for code in step.get("waits_for", []):
            if code not in codes[:position]:
                raise ValidationError(
                    f"Step {step['code']!r} waits for {code!r}, which is not an earlier step."
                )
        for audience in step.get("informs", []):
            Audience.parse_absolute(audience)
        ladder_validate(
            step.get("ladder", []),
            owner_word=OWNER,
            least_seconds=0,
            too_soon="A ladder rung cannot fire before the due time.",
        )
        ladder_validate(
            step.get("ack_ladder", []),
            owner_word=REPEAT,
            least_seconds=1,
            too_soon="An acknowledgement rung needs a wait of at least a second.",
        )


@transaction.atomic
def protocol_version_create(
    *,
    actor: Member | None,
    partnership: Partnership,
    name: str,
    steps: Sequence[dict[str, Any]],
    notes: str = "",
) -> ProtocolVersion:
    """A new draft version of ``partnership``'s protocol with its steps (an administrator
    publishes it when ready)."""
    if actor is not None:
        require(actor, "protocol.manage")
    _steps_validate(steps)
    last = (
        ProtocolVersion.objects.select_for_update()
        .filter(partnership=partnership)
        .order_by("-number")
        .first()
    )
    version: ProtocolVersion = ProtocolVersion.objects.create(
        partnership=partnership, name=name, number=(last.number + 1) if last else 1, notes=notes
    )
    ProtocolStep.objects.bulk_create(
        ProtocolStep(version=version, order=position, **step)
        for position, step in enumerate(steps, 1)
    )
    audit_record(
        actor=actor, verb="protocol.created", subject=version, changes={"number": version.number}
    )
    return version


@transaction.atomic
def protocol_version_publish(*, actor: Member | None, version: ProtocolVersion) -> ProtocolVersion:
    """Publish a draft: new declarations run under it; running incidents keep their copy."""
    if actor is not None:
        require(actor, "protocol.manage")
    version = ProtocolVersion.objects.select_for_update().get(pk=version.pk)  # fresh, locked
    if not can_proceed(version.publish):
        raise ConflictError(
            f"Version {version.number} is {version.get_state_display().lower()}, not a draft."
        )
    steps: list[dict[str, Any]] = [
        dict(step)
        for step in version.steps.order_by("order").values(
            "code",
            "owner_role",
            "informs",
            "waits_for",
            "ladder",
            "ack_ladder",
            "deadline_kind",
            "deadline_amount",
        )
    ]
    if not steps:
        raise ValidationError("A protocol with no steps cannot be published.")
    # Steps edited in admin arrive here unchecked: the same checks as for a version made in code.
    _steps_validate(steps)
    for current in ProtocolVersion.objects.select_for_update().filter(
        partnership_id=version.partnership_id, state=ProtocolState.PUBLISHED
    ):
        current.retire()
        current.save()
        audit_record(actor=actor, verb="protocol.retired", subject=current)
    version.publish(at=timezone.now())
    version.save()
    audit_record(
        actor=actor, verb="protocol.published", subject=version, changes={"number": version.number}
    )
    return version


def protocol_current(partnership: Partnership) -> ProtocolVersion:
    """``partnership``'s published version, creating and publishing the source document's
    protocol the first time anyone there needs one."""
    published = ProtocolVersion.objects.filter(
        partnership=partnership, state=ProtocolState.PUBLISHED
    )
    version: ProtocolVersion | None = published.first()
    if version is not None:
        return version
    with transaction.atomic():
        # Two first declarations at once must not both create the default version.
        advisory_xact_lock(f"escalation.protocol_default:{partnership.pk}")
        version = published.first()
        if version is not None:
            return version
        draft = protocol_version_create(
            actor=None, partnership=partnership, name=DEFAULT_PROTOCOL_NAME, steps=DEFAULT_STEPS
        )
        return protocol_version_publish(actor=None, version=draft)
