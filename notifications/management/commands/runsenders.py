import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector

from notifications.readiness import production_start_check
from notifications.workers import QUEUE


class Command(BaseCommand):
    help = (
        "Run a sender worker: it makes the notifications' deliveries from the jobs written with "
        "them (NOTIFICATION_WORKERS=true, PostgreSQL). Start as many as the load needs, on any "
        "machine that reaches the database and Redis; SIGTERM lets the jobs in hand finish."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--concurrency",
            type=int,
            default=None,
            help="jobs run at once (default NOTIFICATION_WORKER_CONCURRENCY)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.NOTIFICATION_WORKERS:
            raise CommandError(
                "NOTIFICATION_WORKERS is off: deliveries are made by each process's own sender "
                "threads, and no job would ever reach this worker."
            )
        # A worker sends: it refuses to start where a channel members use only records.
        production_start_check()
        concurrency = options["concurrency"] or settings.NOTIFICATION_WORKER_CONCURRENCY
        if options["verbosity"] >= 2:
            logging.getLogger("procrastinate").setLevel(logging.INFO)  # each job, as it runs
        connector = app.connector
        if not isinstance(connector, DjangoConnector):
            raise CommandError("procrastinate's Django app is not installed (PostgreSQL only)")

        async def work() -> None:
            # The jobs are synchronous and run on the loop's default executor: one thread per
            # job slot, so that every slot can hold a database connection of its own.
            asyncio.get_running_loop().set_default_executor(
                ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sender")
            )
            async with app.open_async():
                await app.run_worker_async(
                    queues=[QUEUE],
                    name=f"senders-{os.getpid()}",
                    concurrency=concurrency,
                    # SIGTERM or SIGINT: take no new job, let those in hand finish (a channel
                    # times out within NOTIFICATION_SEND_TIMEOUT), then stop.
                    install_signal_handlers=True,
                    shutdown_graceful_timeout=settings.NOTIFICATION_SEND_TIMEOUT * 2,
                    update_heartbeat_interval=settings.NOTIFICATION_WORKER_HEARTBEAT_SECONDS,
                    stalled_worker_timeout=settings.NOTIFICATION_WORKER_STALLED_SECONDS,
                    # The Delivery rows and their attempts are the record: a finished job is
                    # worth nothing, and its row would only grow the table.
                    delete_jobs="successful",
                )

        # The worker listens (LISTEN/NOTIFY) and fetches on a pool of its own; the tasks use
        # Django's connections, as everything else does.
        try:
            with app.replace_connector(connector.get_worker_connector()):
                asyncio.run(work())
        finally:
            close_old_connections()
