from __future__ import annotations

# The review tests record and declare incidents as the escalation tests do, with the same
# fixtures (imported, so that pytest offers them here too).
from tests.escalation.conftest import declare, report

__all__ = ["declare", "report"]
