"""The access log of personal data: who was shown which person's record, as a hash chain.

Written only through ``services.person_access_record`` (and ``research_access_record``); the
gold group reads it in the review app, which verifies the chain on its page, as does
``manage.py verify_access_log``. The chain is the timeline's mechanism (``partnership.chain``).
"""

from __future__ import annotations

from typing import Any

from conference.models import PersonAccess
from partnership.chain import ChainReport, HashChain, utc_iso


def _content(row: PersonAccess) -> dict[str, Any]:
    return {
        "at": utc_iso(row.at),
        "person_id": row.person_id,
        "member_id": row.member_id,
        "what": row.what,
    }


ACCESS_LOG: HashChain[PersonAccess] = HashChain(
    model=PersonAccess, content=_content, name="The access log", noun="entry", plural="entries"
)


def access_log_verify() -> ChainReport:
    """Walk the access log and report the first entry where it breaks."""
    return ACCESS_LOG.verify()
