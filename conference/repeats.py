"""Repeat detection ("flag and tag", whatever agency reports the incident).

Two rules, defaulting to MARAC practice and set by each partnership (``Partnership``; a new one
starts from the settings of the same names):

- **Repeat**: a further incident within ``repeat_window_days`` (365) of the person's last
  referral makes the case a repeat.
- **Potential escalation**: ``suggest_referral_count`` (3) or more incidents within
  ``suggest_referral_window_days`` (365) and no referral in that time suggests a referral to the
  CSP Co-ordinator.

Only incidents in which the person is a victim count towards these two: a witness or a reporter
is not a repeat victim. A third rule looks at the other side:

- **Repeat perpetrator**: a person recorded as perpetrator or suspect in two or more incidents
  within ``repeat_window_days`` raises a flag of its own, for the co-ordinator and the CRRO.

Each flag says which rule fired and on which incidents. Evaluation is idempotent: a flag's key
names the rule and the incidents it fired on, so evaluating again raises nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from conference.models import FlagKind, IncidentPerson, Person, Referral
from escalation.models import Incident

# How many incidents as perpetrator or suspect, within the repeat window, make a repeat
# perpetrator.
REPEAT_PERPETRATOR_COUNT = 2


@dataclass(frozen=True)
class Finding:
    kind: str
    rule: str
    incidents: list[Incident]
    referral: Referral | None
    key: str


def _when(incident: Incident) -> str:
    return f"{incident.reference} ({incident.occurred_at:%d %b %Y})"


def _incidents_as(person: Person, involvement: str) -> list[Incident]:
    return list(
        Incident.objects.filter(
            pk__in=IncidentPerson.objects.filter(person=person, involvement=involvement).values(
                "incident_id"
            )
        ).order_by("occurred_at", "pk")
    )


def repeats_find(person: Person) -> list[Finding]:
    findings = _victim_findings(person)
    findings += _perpetrator_findings(person)
    return findings


def _perpetrator_findings(person: Person) -> list[Finding]:
    incidents = _incidents_as(person, IncidentPerson.Involvement.PERPETRATOR)
    window = timedelta(days=person.partnership.repeat_window_days)
    for end in range(len(incidents) - 1, REPEAT_PERPETRATOR_COUNT - 2, -1):
        last = incidents[end]
        run = [i for i in incidents[: end + 1] if last.occurred_at - i.occurred_at <= window]
        if len(run) >= REPEAT_PERPETRATOR_COUNT:
            return [
                Finding(
                    kind=FlagKind.REPEAT_PERPETRATOR,
                    rule=(
                        f"Perpetrator or suspect in {len(run)} incidents within "
                        f"{person.partnership.repeat_window_days} days: "
                        + ", ".join(_when(i) for i in run)
                    ),
                    incidents=run,
                    referral=None,
                    key=f"perpetrator:{person.pk}:{last.pk}",
                )
            ]
    return []


def _victim_findings(person: Person) -> list[Finding]:
    incidents = _incidents_as(person, IncidentPerson.Involvement.VICTIM)
    referrals = list(person.referrals.order_by("created_at", "pk"))
    findings: list[Finding] = []
    rules = person.partnership
    repeat_window = timedelta(days=rules.repeat_window_days)

    # Rule 1: incidents after the person's last referral made before them, within the window.
    for incident in incidents:
        earlier = [r for r in referrals if r.created_at <= incident.occurred_at]
        if not earlier:
            continue
        last = earlier[-1]
        if incident.occurred_at - last.created_at <= repeat_window:
            findings.append(
                Finding(
                    kind=FlagKind.REPEAT,
                    rule=(
                        f"Further incident within {rules.repeat_window_days} days of the "
                        f"last referral (referral {last.pk} made {last.created_at:%d %b %Y}): "
                        f"{_when(incident)}"
                    ),
                    incidents=[incident],
                    referral=last,
                    key=f"repeat:{person.pk}:{incident.pk}",
                )
            )

    # Rule 2: a run of incidents within the window with no referral in it.
    count = rules.suggest_referral_count
    window = timedelta(days=rules.suggest_referral_window_days)
    for end in range(count - 1, len(incidents)):
        last_incident = incidents[end]
        run = [
            i for i in incidents[: end + 1] if last_incident.occurred_at - i.occurred_at <= window
        ]
        if len(run) < count:
            continue
        start = run[0].occurred_at
        if any(start <= r.created_at <= last_incident.occurred_at for r in referrals):
            continue
        if any(r.created_at <= start and start - r.created_at <= repeat_window for r in referrals):
            continue  # already a repeat of a recent referral: rule 1 covers it
        findings.append(
            Finding(
                kind=FlagKind.SUGGESTED_REFERRAL,
                rule=(
                    f"{len(run)} incidents within {rules.suggest_referral_window_days} days and "
                    f"no referral (potential escalation): " + ", ".join(_when(i) for i in run)
                ),
                incidents=run,
                referral=None,
                key=f"suggest:{person.pk}:{last_incident.pk}",
            )
        )
        break  # one suggestion at a time: the latest run that qualifies first
    return findings
