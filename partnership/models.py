"""The partnership directory (agencies, areas, members and their roles) and the audit timeline.

Every other app uses these: an incident is reported in an area, a duty is owned by a role, a
notification goes to a member, and every change leaves an ``AuditEvent``.
"""

from __future__ import annotations

import secrets
from functools import cached_property
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser
from django.db import models
from knox.models import AbstractAuthToken

from partnership.text import OneLineField


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
    # Where people report hate crime to someone other than the police (002: "alternative
    # reporting sites"); its members file reports for a person who came to them.
    REPORTING_CENTRE = "reporting_centre", "Third-party reporting centre"


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


class Division(models.TextChoices):
    """GOV.UK's divisions for bank holidays, named as its published list names them."""

    ENGLAND_AND_WALES = "england-and-wales", "England and Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern-ireland", "Northern Ireland"


class Partnership(models.Model):
    """A community safety partnership: the tenant that owns areas, roles, protocol versions,
    cases and conferences. Agencies and members can belong to several partnerships; nothing
    owned by one is seen from another.

    The thresholds were service-wide settings before partnerships were tenants; those settings
    are now the defaults a new partnership starts with (``partnership_create``).
    """

    name = OneLineField(max_length=200, unique=True)
    slug = models.SlugField(
        max_length=60, unique=True, help_text="Names it in addresses and the X-Partnership header."
    )
    division = models.CharField(
        max_length=20,
        choices=Division.choices,
        default=Division.ENGLAND_AND_WALES,
        help_text="Whose bank holidays its deadlines skip.",
    )
    repeat_window_days = models.PositiveIntegerField(
        default=365, help_text="A further incident this soon after the last referral is a repeat."
    )
    suggest_referral_count = models.PositiveIntegerField(
        default=3, help_text="This many incidents within the window suggest a referral."
    )
    suggest_referral_window_days = models.PositiveIntegerField(default=365)
    retention_days = models.PositiveIntegerField(
        default=6 * 365, help_text="Personal data of closed cases is removed after this long."
    )
    risk_medium_from = models.PositiveSmallIntegerField(default=4)
    risk_high_from = models.PositiveSmallIntegerField(default=8)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(risk_high_from__gt=models.F("risk_medium_from")),
                name="risk_bands_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    name = OneLineField(max_length=200, unique=True)
    is_active = models.BooleanField(default=True)
    # One agency (a police force, an NHS trust) often sits in several partnerships.
    partnerships = models.ManyToManyField(Partnership, blank=True, related_name="agencies")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A ward or locality of one partnership: where incidents happen and what its data is
    reported by."""

    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="areas")
    name = OneLineField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "name"], name="area_name_per_partnership"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Member(AbstractUser):
    """A person who works in one agency of the partnership and holds one or more roles.

    Members are deactivated, never deleted: the timeline refers to them for ever.
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    # Names go into email subjects and notices ("Could not reach …"): one line each.
    first_name = OneLineField("first name", max_length=150, blank=True)
    last_name = OneLineField("last name", max_length=150, blank=True)
    job_title = OneLineField(max_length=200, blank=True)
    phone = OneLineField(max_length=40, blank=True)
    partnerships = models.ManyToManyField(Partnership, blank=True, related_name="members")
    chosen_partnership = models.ForeignKey(
        Partnership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Where a member of several partnerships last chose to work on the pages.",
    )

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def partnership(self) -> Partnership | None:
        """The partnership this member is working in: the one the door that loaded the member
        set with ``work_in`` (the API's ``X-Partnership`` header), else the one they chose on
        the pages, else their only partnership. None for a member of none, or of several who
        has not chosen."""
        mine = list(self.partnerships.all())
        for partnership in mine:
            if partnership.pk == self.chosen_partnership_id:
                return partnership
        return mine[0] if len(mine) == 1 else None

    def work_in(self, partnership: Partnership | None) -> None:
        """Work in ``partnership`` from now on (this instance only): roles are read there."""
        self.__dict__["partnership"] = partnership
        for cached in ("held_roles", "acting_roles"):
            self.__dict__.pop(cached, None)

    @cached_property
    def held_roles(self) -> frozenset[str]:
        """The roles this member holds in their own right, in the partnership they work in."""
        if self.partnership is None:
            return frozenset()
        return frozenset(
            self.role_assignments.filter(partnership=self.partnership).values_list(
                "role", flat=True
            )
        )

    @cached_property
    def acting_roles(self) -> frozenset[str]:
        """Roles held, plus roles this member deputises for: a deputy who is told because the
        holder did not answer must be able to do what the holder would have done."""
        if self.partnership is None:
            return frozenset()
        deputised = RoleAssignment.objects.filter(
            deputy=self, partnership=self.partnership
        ).values_list("role", flat=True)
        return self.held_roles | frozenset(deputised)

    def roles_in(self, partnership: Partnership) -> frozenset[str]:
        """Roles held or deputised for in ``partnership``, whichever one this member works in."""
        return frozenset(
            RoleAssignment.objects.filter(partnership=partnership)
            .filter(models.Q(member=self) | models.Q(deputy=self))
            .values_list("role", flat=True)
        )

    def has_role(self, *roles: str) -> bool:
        return bool(self.acting_roles.intersection(roles))


class RoleAssignment(models.Model):
    """A role a member holds in one partnership (the same officer can be the CRRO in one and a
    panel member in another)."""

    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="role_assignments"
    )
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
            models.UniqueConstraint(
                fields=["partnership", "member", "role"], name="one_assignment_per_role"
            ),
            models.CheckConstraint(
                condition=~models.Q(deputy=models.F("member")), name="deputy_is_someone_else"
            ),
        ]
        ordering = ["role", "member__username"]

    def __str__(self) -> str:
        return f"{self.member} — {self.get_role_display()}"


class AuditEvent(models.Model):
    """One entry of the append-only timeline.

    Each partnership's events form a chain of their own, and the service's (signing in, accounts,
    agencies) another: ``seq`` numbers a chain's events without gaps and ``hash`` covers the
    event's content and the previous event's hash, so an edited, deleted or inserted row breaks
    the chain (see ``partnership.timeline``). On PostgreSQL a trigger refuses UPDATE and DELETE
    outright. ``changes`` holds ids and codes, never a victim's personal details, so that
    retention can remove those from their own tables without touching the chain.
    """

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The chain the event is on: its partnership's, or (empty) the service's own.",
    )
    seq = models.BigIntegerField()
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
    # Indexed by the two indexes below, which lead with it.
    scope = models.CharField(
        max_length=64,
        blank=True,
        help_text="The case the event belongs to, such as 'incident:12'; blank for the directory.",
    )
    changes = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["scope", "seq"], name="auditevent_scope_seq"),
            # What a record holds, read by skipping through it (``review.timeline.Record``).
            models.Index(fields=["scope", "verb", "agency"], name="auditevent_scope_verb_agency"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["partnership", "seq"], name="auditevent_seq_per_chain"),
            models.UniqueConstraint(
                fields=["seq"],
                condition=models.Q(partnership__isnull=True),
                name="auditevent_seq_service_chain",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.subject_type}:{self.subject_id}"


class TimelineCheckpoint(models.Model):
    """A signed statement that one chain of the timeline verified up to event ``seq``, whose
    hash was ``head_hash``, at ``made_at`` (``partnership.checkpoints``). Append-only: on
    PostgreSQL a trigger refuses UPDATE and DELETE, as for the events."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The chain: a partnership's, or (empty) the service's own.",
    )
    number = models.PositiveIntegerField(help_text="1, 2, 3 … in each chain.")
    seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    made_at = models.DateTimeField()
    signature = models.CharField(max_length=64, help_text="HMAC-SHA256, hexadecimal.")

    class Meta:
        ordering = ["partnership_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "number"], name="checkpoint_number_per_chain"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(partnership__isnull=True),
                name="checkpoint_number_service_chain",
            ),
        ]

    def __str__(self) -> str:
        return f"checkpoint {self.number} at event {self.seq}"


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
    if TYPE_CHECKING:
        # Knox's abstract model declares it, with a foreign key the type checker cannot see.
        user: Member

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


# --- The calendar of working days ---------------------------------------------------------------
class CalendarSource(models.TextChoices):
    PACKAGE = "package", "the holidays package installed with the service"
    GOVUK = "govuk", "GOV.UK's published list"
    ADMINISTRATOR = "administrator", "an administrator"


class CalendarYear(models.Model):
    """One year of a division's bank holidays, held as data.

    A year without a row is read from the ``holidays`` package (the seed that makes deadlines work
    on a fresh machine). The first change to a year, an import or an administrator's edit, first
    copies the package's days in, so every change is measured against what deadlines were using.
    """

    division = models.CharField(max_length=20, choices=Division.choices)
    year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=20, choices=CalendarSource.choices)
    detail = models.CharField(
        max_length=200, blank=True, help_text="The package's version, or the imported file."
    )
    loaded_at = models.DateTimeField()
    loaded_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["division", "year"]
        constraints = [
            models.UniqueConstraint(fields=["division", "year"], name="one_calendar_year")
        ]

    def __str__(self) -> str:
        return f"{self.get_division_display()} {self.year}"


def holiday_name(title: str, notes: str) -> str:
    """A bank holiday as a deadline's explanation names it: “Boxing Day (substitute day)”."""
    return f"{title} ({notes[:1].lower()}{notes[1:]})" if notes else title


class DayStatus(models.TextChoices):
    BANK_HOLIDAY = "bank_holiday", "Bank holiday"
    # Kept rather than deleted so that a later import cannot put back a day an administrator took
    # out, and the page can say who took it out and why.
    REMOVED = "removed", "Working day (removed by an administrator)"


class CalendarDay(models.Model):
    """A bank holiday of one division, or a day an administrator removed from the list.

    ``source`` says who decided it: an administrator's decision outlives later imports, which
    report it instead of overwriting it.
    """

    calendar_year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    title = OneLineField(max_length=200)
    notes = OneLineField(max_length=200, blank=True, help_text="Such as “Substitute day”.")
    bunting = models.BooleanField(default=True)
    status = models.CharField(
        max_length=20, choices=DayStatus.choices, default=DayStatus.BANK_HOLIDAY
    )
    source = models.CharField(max_length=20, choices=CalendarSource.choices)
    reason = models.TextField(blank=True, help_text="An administrator's reason for the change.")
    changed_by = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar_year", "date"], name="one_calendar_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%a %d %b %Y} {self.name}"

    @property
    def name(self) -> str:
        return holiday_name(self.title, self.notes)


class FormSubmission(models.Model):
    """The receipt of a creating form sent once: the form carries a one-time key
    (``{% submit_once %}``), and the same key sent again (the back button, then submit; a double
    click) is answered with the record the first one made instead of making a second.
    ``location`` is that record's page, empty while the first is being recorded.

    A key belongs to whoever was sent the form: a member, or, on the pages anyone may use
    without signing in (the public report), the browser's session (``session_key``), so one
    person's key never leads another to what they made."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+", null=True)
    session_key = models.CharField(max_length=40, blank=True)
    key = models.UUIDField()
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "key"], name="form_submission_once"),
            models.UniqueConstraint(
                fields=["session_key", "key"],
                condition=models.Q(member__isnull=True),
                name="form_submission_once_per_session",
            ),
            models.CheckConstraint(
                condition=(models.Q(member__isnull=False) & models.Q(session_key=""))
                | (models.Q(member__isnull=True) & ~models.Q(session_key="")),
                name="form_submission_one_owner",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "created_at"], name="form_submission_age"),
            # Sessions end without telling us: their old receipts are cleared by age alone.
            models.Index(
                fields=["created_at"],
                condition=models.Q(member__isnull=True),
                name="form_submission_session_age",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} by {self.member_id or 'a session'}"
