"""Two records of the same person merged by the co-ordinator, reversibly. Loaded by
``conference.models``."""

from __future__ import annotations

from typing import Any

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from partnership.models import Member


class MergeState(models.TextChoices):
    MERGED = "merged", "Merged"
    UNDONE = "undone", "Undone"


class PersonMerge(ConcurrentTransitionMixin, models.Model):
    """``merged`` was found to be ``kept`` again: its incident links, referrals and flags moved
    to ``kept`` (the ids of exactly what moved are kept here, so undoing moves back only those)
    and ``merged`` points at ``kept``. Undoing is a transition; the row stays."""

    kept = models.ForeignKey("conference.Person", on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey("conference.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    moved_links = models.JSONField(default=list)
    moved_referrals = models.JSONField(default=list)
    moved_flags = models.JSONField(default=list)
    merged_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField()
    state = FSMField(default=MergeState.MERGED, choices=MergeState.choices, protected=True)
    undone_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-merged_at", "-pk"]

    def __str__(self) -> str:
        return f"Person {self.merged_id} merged into {self.kept_id}"

    @transition(field=state, source=MergeState.MERGED, target=MergeState.UNDONE)
    def undo(self, *, at: Any, by: Member, reason: str) -> None:
        self.undone_at = at
        self.undone_by = by
        self.undo_reason = reason

    @property
    def partnership_id(self) -> int:
        """The partnership of the people (``partnership.permissions.can`` refuses any other)."""
        return int(self.kept.partnership_id)
