"""What practitioners share with the CRRO and the co-ordinator (004 §2.3: "any information that
may help to promote community safety should be conveyed ... without delay"), graded for
reliability, and community tension per area over time. Loaded by ``casework.models``."""

from __future__ import annotations

from django.db import models

from escalation.models import Incident, TensionLevel
from partnership.models import Area, Member, Partnership
from partnership.text import OneLineField


class SourceGrade(models.TextChoices):
    """How far the source is to be relied on (the source half of the 3x5x2 grading, simplified)."""

    RELIABLE = "1", "1: Reliable source"
    UNTESTED = "2", "2: Untested source"
    NOT_RELIABLE = "3", "3: Not reliable"


class InformationGrade(models.TextChoices):
    """How the source knows it."""

    KNOWN_DIRECTLY = "A", "A: Known directly to the source"
    CORROBORATED = "B", "B: Known indirectly, corroborated"
    INDIRECT = "C", "C: Known indirectly"
    NOT_KNOWN = "D", "D: Not known"
    SUSPECTED_FALSE = "E", "E: Suspected to be false"


# Tension levels in order, to tell a rise from a fall.
TENSION_ORDER = {level: index for index, level in enumerate(TensionLevel.values)}


class SharedInformation(models.Model):
    """Information a member shares about an incident (or its case) or an area."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    source_grade = models.CharField(max_length=1, choices=SourceGrade.choices)
    information_grade = models.CharField(max_length=1, choices=InformationGrade.choices)
    shared_at = models.DateTimeField()

    class Meta:
        ordering = ["-shared_at", "-pk"]
        verbose_name_plural = "shared information"

    def __str__(self) -> str:
        return f"Information {self.pk}"

    @property
    def grading(self) -> str:
        return f"{self.source_grade}{self.information_grade}"


class TensionRecord(models.Model):
    """The community tension in one area from a moment on: its level, why, and where that came
    from. The latest record per area is the area's tension now."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="tension_records")
    level = models.CharField(max_length=20, choices=TensionLevel.choices)
    reason = models.TextField()
    source = OneLineField(max_length=300)
    recorded_by = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["area", "-recorded_at"], name="tension_area_recorded")]

    def __str__(self) -> str:
        return f"Tension {self.level} in area {self.area_id}"
