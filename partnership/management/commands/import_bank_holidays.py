"""Load GOV.UK's published bank holidays (https://www.gov.uk/bank-holidays.json, saved to a file)
into the calendar of working days. Running it again with the same file changes nothing."""

import hashlib
import json
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from partnership.calendar.services import calendar_import
from partnership.models import Member


class Command(BaseCommand):
    help = (
        "Import GOV.UK's bank holidays (the JSON of https://www.gov.uk/bank-holidays.json) from "
        "FILE. Reports what it added, removed and renamed; days an administrator changed stay as "
        "they are. Pending deadlines counted over a changed day are recomputed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the saved bank-holidays.json")
        parser.add_argument(
            "--by",
            metavar="USERNAME",
            help="the administrator the timeline records as importing it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path} is not JSON: {exc}.") from exc
        actor = None
        if options["by"]:
            actor = Member.objects.filter(username=options["by"], is_active=True).first()
            if actor is None:
                raise CommandError(f"No active member is called {options['by']!r}.")
        source = f"{path.name} (sha256 {hashlib.sha256(raw).hexdigest()[:16]})"
        try:
            report = calendar_import(actor=actor, data=data, source=source)
        except ValidationError as exc:
            raise CommandError(f"{path}: {' '.join(exc.messages)} Nothing was imported.") from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        for done in report.divisions:
            self.stdout.write(done.summary())
            for label, lines in (
                ("added", done.added),
                ("removed", done.removed),
                ("renamed", done.renamed),
                ("kept", done.kept),
            ):
                for line in lines:
                    self.stdout.write(f"  {label}: {line}")
        if not report.changed:
            self.stdout.write("Nothing changed: the calendar already matches this list.")
