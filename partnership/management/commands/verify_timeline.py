from typing import Any

from django.core.management.base import BaseCommand, CommandError

from partnership.timeline import timeline_verify


class Command(BaseCommand):
    help = "Check the audit timeline's hash chain; exit non-zero naming the first broken event."

    def handle(self, *args: Any, **options: Any) -> None:
        report = timeline_verify()
        if not report.ok:
            raise CommandError(report.describe())
        self.stdout.write(report.describe())
