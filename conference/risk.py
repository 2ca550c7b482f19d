"""The hate crime risk assessment: a short checklist, a score, and the level it maps to.

Questions follow the factors partnerships weigh for repeat and serious hate crime (escalation,
threats, vulnerability, the home targeted, community tension). Professional judgement may raise
the level the score gives, never lower it, and must say why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from conference.models import RISK_ORDER, RiskLevel
from partnership.models import Partnership


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    weight: int = 1


CHECKLIST: tuple[Question, ...] = (
    Question("repeat", "Has the person been targeted before (by anyone, for the same reason)?"),
    Question("escalating", "Is the abuse getting more frequent or more serious?", 2),
    Question("threats", "Have there been threats to kill or seriously harm?", 2),
    Question("weapons", "Have weapons been used or threatened?", 2),
    Question("home_targeted", "Has the home been attacked or damaged (including arson)?", 2),
    Question("perpetrator_nearby", "Does the perpetrator live nearby or know where they live?"),
    Question("frightened", "Is the person very frightened of what will happen next?"),
    Question("vulnerable", "Is the person isolated or vulnerable (age, disability, health)?"),
    Question("children", "Are children in the household affected?"),
    Question("community_tension", "Is the case linked to wider tension in the community?"),
)
QUESTIONS = {q.code: q for q in CHECKLIST}


@dataclass(frozen=True)
class Assessment:
    # None: "not known" (the referrer could not find out). It adds nothing to the score, and the
    # referral shows it so that the panel can ask.
    answers: dict[str, bool | None]
    score: int
    assessed_level: str
    level: str


def level_for(score: int, partnership: Partnership) -> str:
    """The level a score maps to in ``partnership``'s risk bands."""
    if score >= partnership.risk_high_from:
        return RiskLevel.HIGH
    if score >= partnership.risk_medium_from:
        return RiskLevel.MEDIUM
    return RiskLevel.STANDARD


def risk_assess(
    *,
    partnership: Partnership,
    answers: Mapping[str, bool | None],
    raised_level: str = "",
    raised_reason: str = "",
) -> Assessment:
    """Score the checklist; every question must be answered yes, no or not known (None), and
    only a yes counts."""
    unknown = sorted(set(answers) - set(QUESTIONS))
    if unknown:
        raise ValidationError({"answers": f"Unknown question {unknown[0]!r}."})
    missing = [
        q.code
        for q in CHECKLIST
        if q.code not in answers or not isinstance(answers[q.code], bool | None)
    ]
    if missing:
        raise ValidationError(
            {
                "answers": "Answer every question yes, no or not known (null) "
                f"(missing: {', '.join(missing)})."
            }
        )
    score = sum(q.weight for q in CHECKLIST if answers[q.code] is True)
    assessed = level_for(score, partnership)
    level = assessed
    if raised_level:
        if raised_level not in RiskLevel.values:
            raise ValidationError({"raised_level": "Choose standard, medium or high."})
        if RISK_ORDER[RiskLevel(raised_level)] < RISK_ORDER[RiskLevel(assessed)]:
            raise ValidationError(
                {"raised_level": "Professional judgement may raise the level, not lower it."}
            )
        if raised_level != assessed:
            if not raised_reason.strip():
                raise ValidationError(
                    {"raised_reason": "Say why professional judgement raises the level."}
                )
            level = raised_level
    return Assessment(answers=dict(answers), score=score, assessed_level=assessed, level=level)
