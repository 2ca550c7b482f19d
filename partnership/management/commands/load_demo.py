from typing import Any

from django.core.management.base import BaseCommand

from partnership.demo import MEMBERS, demo_extras, demo_load, demo_partnerships, demo_password


class Command(BaseCommand):
    help = "Load the demo partnership (idempotent: a second run changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = demo_load()
        for partnership in demo_partnerships():
            for step in demo_extras():
                step(partnership)
        self.stdout.write(
            f"Demo partnership loaded ({changed} change{'s' if changed != 1 else ''}). "
            f"Logins, all with password {demo_password()!r}: "
            + ", ".join(m.username for m in MEMBERS)
        )
