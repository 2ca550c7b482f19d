"""Who may oversee: an oversight body's members read its partnerships' figures and send and
close its scrutiny requests; a partnership's members who read its own figures read the requests
sent to it, and its CSP Co-ordinator (or their deputy) answers them. Nobody reaches another
body's figures or another partnership's requests."""

from __future__ import annotations

from oversight.models import OversightBody, ScrutinyRequest
from partnership.models import Member, Role
from partnership.permissions import can, rule


def _in_body(member: Member, body: OversightBody | None) -> bool:
    bodies = member.oversight_bodies.all()
    return bodies.filter(pk=body.pk).exists() if body is not None else bodies.exists()


def _works_in(member: Member, request: ScrutinyRequest) -> bool:
    return member.partnership is not None and member.partnership.pk == request.partnership_id


@rule(
    "oversight.view",
    denied="An oversight body's figures are for its members only.",
)
def _oversight_view(member: Member, body: OversightBody | None) -> bool:
    return _in_body(member, body)


@rule(
    "scrutiny.send",
    denied="Scrutiny requests are sent by the members of an oversight body.",
)
def _scrutiny_send(member: Member, body: OversightBody | None) -> bool:
    return _in_body(member, body)


@rule(
    "scrutiny.list",
    denied="Scrutiny requests are for the oversight body that sent them and for the partnership's "
    "co-ordinators, members and gold group.",
)
def _scrutiny_list(member: Member, obj: object) -> bool:
    return _in_body(member, None) or can(member, "report.view")


@rule(
    "scrutiny.view",
    denied="This scrutiny request is for the body that sent it and the partnership it was sent to.",
)
def _scrutiny_view(member: Member, request: ScrutinyRequest) -> bool:
    if _in_body(member, request.body):
        return True
    return _works_in(member, request) and can(member, "report.view")


@rule(
    "scrutiny.answer",
    denied="A scrutiny request is answered by the partnership's CSP Co-ordinator or their deputy.",
)
def _scrutiny_answer(member: Member, request: ScrutinyRequest) -> bool:
    return _works_in(member, request) and member.has_role(Role.CSP_COORDINATOR)


@rule(
    "scrutiny.close",
    denied="A scrutiny request is closed by the oversight body that sent it.",
)
def _scrutiny_close(member: Member, request: ScrutinyRequest) -> bool:
    return _in_body(member, request.body)
