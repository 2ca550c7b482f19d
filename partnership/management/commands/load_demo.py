from typing import Any

from django.core.management.base import BaseCommand

from partnership.demo import (
    DEMO_PARTNERSHIPS,
    demo_extras,
    demo_finishers,
    demo_load,
    demo_partnerships,
    demo_password,
)


class Command(BaseCommand):
    help = (
        "Load the demo: two partnerships under one police force, Milton Keynes and its neighbour "
        "Aylesbury Vale (idempotent: a second run changes nothing)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = demo_load(with_neighbour=True)
        for partnership in demo_partnerships():
            for step in demo_extras():
                step(partnership)
        for finish in demo_finishers():
            finish()
        self.stdout.write(
            f"Demo partnerships loaded ({changed} change{'s' if changed != 1 else ''}). "
            f"Logins, all with password {demo_password()!r}: "
            + "; ".join(
                f"{spec.name}: " + ", ".join(m.username for m in spec.members)
                for spec in DEMO_PARTNERSHIPS
            )
        )
