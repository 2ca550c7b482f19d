from typing import Any

from django.core.management.base import BaseCommand, CommandError

from conference.access_log import access_log_verify


class Command(BaseCommand):
    help = (
        "Check the hash chain of the access log of personal data; exit non-zero naming the "
        "first broken entry."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = access_log_verify()
        if not report.ok:
            raise CommandError(report.describe())
        self.stdout.write(report.describe())
