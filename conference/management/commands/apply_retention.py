from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from conference.services.retention import retention_apply


class Command(BaseCommand):
    help = (
        "Remove personal data of closed cases older than each partnership's retention period (the "
        "timeline stays and still verifies). Run it daily; a second run changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would go; change nothing."
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        report = retention_apply(dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(
            f"{verb} personal data past each partnership's retention period: "
            f"{report.incidents} incidents, {report.people} people, {report.notifications} "
            f"notifications, {report.referrals} referrals, {report.research} research "
            f"contributions, {report.room_entries} room entries, {report.actions} actions, "
            f"{report.other} other records (cases, reports, shared information)."
        )
