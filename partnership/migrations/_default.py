"""The partnership that data from before partnerships were tenants moves into (used by the data
migrations of each app; the loader skips modules whose name starts with an underscore).

Its name comes from ``PARTNERSHIP_NAME`` and its thresholds from the settings that held them
service-wide until then, so a deployment that had configured them keeps them.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.utils.text import slugify

_DIVISIONS = {"ENG": "england-and-wales", "SCT": "scotland", "NIR": "northern-ireland"}


def default_partnership(apps: Any) -> Any:
    partnership_model = apps.get_model("partnership", "Partnership")
    found = partnership_model.objects.order_by("pk").first()
    if found is not None:
        return found
    name = os.environ.get("PARTNERSHIP_NAME", "").strip() or "Hate Crime Partnership"
    return partnership_model.objects.create(
        name=name,
        slug=slugify(name)[:60] or "partnership",
        division=_DIVISIONS.get(
            getattr(settings, "PROTOCOL_HOLIDAY_NATION", "ENG"), "england-and-wales"
        ),
        repeat_window_days=getattr(settings, "REPEAT_WINDOW_DAYS", 365),
        suggest_referral_count=getattr(settings, "SUGGEST_REFERRAL_COUNT", 3),
        suggest_referral_window_days=getattr(settings, "SUGGEST_REFERRAL_WINDOW_DAYS", 365),
        retention_days=getattr(settings, "RETENTION_DAYS", 6 * 365),
        risk_medium_from=getattr(settings, "RISK_MEDIUM_FROM", 4),
        risk_high_from=getattr(settings, "RISK_HIGH_FROM", 8),
    )
