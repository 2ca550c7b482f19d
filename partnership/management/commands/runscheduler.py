import signal
from typing import Any

from django.core.management.base import BaseCommand

from config.scheduler import Scheduler, production_checks


class Command(BaseCommand):
    help = (
        "Run the scheduler. Start as many as you like: one leads (PostgreSQL advisory lock), the "
        "others stand by and take over within seconds if it dies."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        production_checks()
        scheduler = Scheduler()

        def stop(signum: int, frame: Any) -> None:
            scheduler.request_stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        scheduler.run_forever()
