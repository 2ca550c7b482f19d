"""What keeps minutes honest: the open actions a case carries to its next conference, and the
frozen, hashed versions of a concluded conference's minutes. Loaded by ``conference.models``."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from partnership.models import Member


class CarriedAction(models.Model):
    """An open action of a case that followed the case to its next conference: made by
    ``services.agenda_add`` when the agenda takes the case, so what a conference reviews is
    recorded, not worked out again on every read."""

    action = models.ForeignKey("conference.Action", on_delete=models.PROTECT, related_name="+")
    agenda_item = models.ForeignKey(
        "conference.AgendaItem", on_delete=models.PROTECT, related_name="carried_actions"
    )
    carried_at = models.DateTimeField()

    class Meta:
        ordering = ["agenda_item", "action"]
        constraints = [
            models.UniqueConstraint(fields=["action", "agenda_item"], name="action_carried_once")
        ]

    def __str__(self) -> str:
        return f"Action {self.action_id} carried to item {self.agenda_item_id}"


class MinutesReason(models.TextChoices):
    CONCLUDED = "concluded", "The conference concluded"
    ACTION = "action", "An action changed after the conference"
    CORRECTION = "correction", "A correction"


class MinutesVersion(models.Model):
    """One frozen version of a conference's minutes: ``content`` is canonical JSON (sorted keys,
    no spaces) that names its number and the previous version's hash, and ``sha256`` is its
    SHA-256, also recorded on the timeline (``minutes.versioned``). Never edited: a later change
    is a new version (``conference.services.minutes``)."""

    conference = models.ForeignKey(
        "conference.Conference", on_delete=models.PROTECT, related_name="minutes_versions"
    )
    number = models.PositiveIntegerField()
    content = models.TextField()
    sha256 = models.CharField(max_length=64)
    previous_sha256 = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=12, choices=MinutesReason.choices)
    made_at = models.DateTimeField()
    made_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["conference", "number"]
        constraints = [
            models.UniqueConstraint(fields=["conference", "number"], name="minutes_version_once")
        ]

    def __str__(self) -> str:
        return f"Minutes of conference {self.conference_id}, version {self.number}"

    def data(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.content)
        return result
