"""Serve the product from one process: Daphne, plus the scheduler when SCHEDULER_IN_PROCESS is on.

This is what ``make run`` uses. Production runs Daphne processes on their own and
``manage.py runscheduler`` separately (see the README).
"""

import os
from typing import Any

from daphne.cli import CommandLineInterface
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


def site_url_for(host: str, port: int) -> str:
    """The address people reach this process at; a host meaning "every interface" (``0.0.0.0``)
    is reached as localhost."""
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


class Command(BaseCommand):
    help = "Run Daphne (and, with SCHEDULER_IN_PROCESS=true, the scheduler) in one process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        if not os.environ.get("SITE_URL"):
            # Links in email and text messages lead to where this process serves, not to a port
            # it is not on.
            settings.SITE_URL = site_url_for(host, port)
        scheduler = None
        if settings.SCHEDULER_IN_PROCESS:
            from config.scheduler import start_in_background

            scheduler = start_in_background()
        self.stdout.write(
            f"\nServing on http://{host}:{port}/  (sign in with a demo login, for example "
            "'coordinator', password from DEMO_PASSWORD, default 'demo-pass')\n"
        )
        try:
            CommandLineInterface().run(["-b", host, "-p", str(port), "config.asgi:application"])
        finally:
            if scheduler is not None:
                scheduler.stop()
