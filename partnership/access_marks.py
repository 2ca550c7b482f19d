"""Each member's access mark (``partnership.marks``): it moves, after commit, whenever anything an
open socket's door depends on changes for the member: their account (active, password), their API
tokens, their roles (held or deputised), the partnerships they work in, their agency. A socket
then checks its member against the database only when the mark moved since its last check, or
that check is ``TRUST_SECONDS`` old, or the token it was opened with is about to expire
(``partnership.consumers.MemberConsumer``).

Signals rather than a call in each writer, as for the control messages (``partnership.live``):
the services, Django admin and ``manage.py`` all change these rows, and none may forget. A change
that sends no signal (``QuerySet.update``, SQL by hand) moves no mark and is noticed within
``TRUST_SECONDS``.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from partnership.marks import Marks
from partnership.models import Agency, ApiToken, Member, RoleAssignment

ACCESS = Marks("partnership.access_mark")


def access_marks_move_on_commit(member_ids: list[int | None]) -> None:
    ACCESS.move_on_commit(pk for pk in member_ids if pk is not None)


@receiver(post_save, sender=Member)
def _member_saved(sender: Any, instance: Member, **kwargs: Any) -> None:
    access_marks_move_on_commit([instance.pk])


@receiver(post_save, sender=ApiToken)
@receiver(post_delete, sender=ApiToken)
def _token_changed(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    access_marks_move_on_commit([instance.user_id])


@receiver(pre_save, sender=RoleAssignment)
def _role_before_save(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    # A deputy replaced loses what they acted for: their mark moves too.
    if not instance._state.adding:
        before = RoleAssignment.objects.filter(pk=instance.pk).values("member_id", "deputy_id")
        instance.__dict__["_access_before"] = list(before[:1])


@receiver(post_save, sender=RoleAssignment)
@receiver(post_delete, sender=RoleAssignment)
def _role_changed(sender: Any, instance: RoleAssignment, **kwargs: Any) -> None:
    ids: list[int | None] = [instance.member_id, instance.deputy_id]
    for before in instance.__dict__.pop("_access_before", []):
        ids += [before["member_id"], before["deputy_id"]]
    access_marks_move_on_commit(ids)


@receiver(m2m_changed, sender=Member.partnerships.through)
def _partnerships_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove", "pre_clear"}:
        return
    if not reverse:
        access_marks_move_on_commit([instance.pk])
    elif action == "pre_clear":  # a partnership's members, before they are cleared
        access_marks_move_on_commit(list(instance.members.values_list("pk", flat=True)))
    else:
        access_marks_move_on_commit(list(pk_set or ()))


@receiver(post_save, sender=Agency)
def _agency_saved(sender: Any, instance: Agency, **kwargs: Any) -> None:
    access_marks_move_on_commit(list(instance.members.values_list("pk", flat=True)))
