"""The partnership directory (agencies, areas, members and their roles) and the audit timeline.

Every other app uses these: an incident is reported in an area, a duty is owned by a role, a
notification goes to a member, and every change leaves an ``AuditEvent``.
"""

from __future__ import annotations

import secrets
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from knox.models import AbstractAuthToken


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    COUNCIL = "council", "Council"
    RACIAL_EQUALITY_COUNCIL = "rec", "Racial Equality Council"
    VICTIM_SUPPORT = "victim_support", "Victim support"
    HOUSING = "housing", "Housing"
    HEALTH = "health", "Health"
    EDUCATION = "education", "Education"
    PROBATION = "probation", "Probation"
    YOUTH_OFFENDING = "youth_offending", "Youth offending"
    VOLUNTARY = "voluntary", "Voluntary or community group"


class Role(models.TextChoices):
    """Roles as the source documents name them (004 §2, 003)."""

    SENIOR_POLICE_OFFICER = "senior_police_officer", "Senior police officer"
    CRRO = "crro", "Community and Race Relations Officer"
    CSP_COORDINATOR = "csp_coordinator", "Community Safety Partnership Co-ordinator"
    POLICE_PARTNERSHIP_COORDINATOR = "ppc", "Police Partnership Co-ordinator"
    COUNCIL_CHIEF_OFFICER = "council_chief_officer", "Council chief officer"
    OPERATIONAL_STAFF = "operational_staff", "Operational staff"
    CCSP_MEMBER = "ccsp_member", "Crime and Community Safety Partnership member"
    CONFERENCE_CHAIR = "conference_chair", "Conference chair"
    PANEL_MEMBER = "panel_member", "Panel member"
    GOLD_GROUP = "gold_group", "Gold group member"
    ADMINISTRATOR = "administrator", "Administrator"


class Agency(models.Model):
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    name = models.CharField(max_length=200, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A ward or locality: where incidents happen and which partnership data is reported by."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Member(AbstractUser):
    """A person who works in one agency of the partnership and holds one or more roles.

    Members are deactivated, never deleted: the timeline refers to them for ever.
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    job_title = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def held_roles(self) -> frozenset[str]:
        """The roles this member holds in their own right."""
        return frozenset(self.role_assignments.values_list("role", flat=True))

    @cached_property
    def acting_roles(self) -> frozenset[str]:
        """Roles held, plus roles this member deputises for: a deputy who is told because the
        holder did not answer must be able to do what the holder would have done."""
        deputised = RoleAssignment.objects.filter(deputy=self).values_list("role", flat=True)
        return self.held_roles | frozenset(deputised)

    def has_role(self, *roles: str) -> bool:
        return bool(self.acting_roles.intersection(roles))


class RoleAssignment(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=40, choices=Role.choices)
    deputy = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputy_for",
        help_text="Told when the holder does not answer, and may act in the role.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "role"], name="one_assignment_per_role"),
            models.CheckConstraint(
                condition=~models.Q(deputy=models.F("member")), name="deputy_is_someone_else"
            ),
        ]
        ordering = ["role", "member__username"]

    def __str__(self) -> str:
        return f"{self.member} — {self.get_role_display()}"


class AuditEvent(models.Model):
    """One entry of the append-only timeline.

    ``seq`` numbers events without gaps and ``hash`` covers the event's content and the previous
    event's hash, so an edited, deleted or inserted row breaks the chain (see
    ``partnership.timeline``). On PostgreSQL a trigger refuses UPDATE and DELETE outright.
    ``changes`` holds ids and codes, never a victim's personal details, so that retention can
    remove those from their own tables without touching the chain.
    """

    seq = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, help_text="Username, or 'system'.")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=64)
    subject_type = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=64)
    scope = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="The case the event belongs to, such as 'incident:12'; blank for the directory.",
    )
    changes = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["scope", "seq"], name="auditevent_scope_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.subject_type}:{self.subject_id}"


def _token_ref() -> str:
    return secrets.token_hex(6)


class ApiToken(AbstractAuthToken):
    """An API token of one member on one device (django-rest-knox keeps only its SHA-512 digest).

    A member may hold several, each named for the device or script that uses it; each expires
    (``API_TOKEN_LIFETIME``) and can be revoked on its own. All are revoked when the member's
    password changes or the member is deactivated. ``ref`` names a token on pages and in the API
    without revealing any part of it.
    """

    name = models.CharField(max_length=60, default="API client")
    ref = models.CharField(max_length=12, unique=True, default=_token_ref, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"API token {self.ref} ({self.name})"


class SignInAddress(models.Model):
    """An address (a keyed hash of it, never the address itself) from which a member has signed
    in successfully. Failures from such an address count against that address only, so guesses
    from elsewhere cannot lock the member out of it (see ``partnership.throttle``)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    address_digest = models.CharField(max_length=64)
    last_success_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "address_digest"], name="one_row_per_member_and_address"
            )
        ]

    def __str__(self) -> str:
        return f"Known sign-in address of member {self.member_id}"
