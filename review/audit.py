"""What this app writes on the timeline, in words (see ``partnership.audit_verbs``)."""

from __future__ import annotations

from partnership.audit_verbs import detail_words_register, verbs_register

detail_words_register(
    "export_format", {"pdf": "a PDF", "csv": "a spreadsheet (CSV)", "json": "data (JSON)"}
)

verbs_register({"timeline.exported": "Timeline exported as {format:export_format}"})
