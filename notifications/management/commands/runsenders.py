import asyncio
import logging
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector

from notifications.readiness import production_start_check
from notifications.workers import LIVE_QUEUE, QUEUE


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

        live_concurrency = max(1, settings.NOTIFICATION_WORKER_LIVE_CONCURRENCY)
        common: dict[str, Any] = {
            # SIGTERM or SIGINT (handled below, for both): take no new job, let those in hand
            # finish (a channel times out within NOTIFICATION_SEND_TIMEOUT), then stop.
            "install_signal_handlers": False,
            "shutdown_graceful_timeout": settings.NOTIFICATION_SEND_TIMEOUT * 2,
            "update_heartbeat_interval": settings.NOTIFICATION_WORKER_HEARTBEAT_SECONDS,
            "stalled_worker_timeout": settings.NOTIFICATION_WORKER_STALLED_SECONDS,
            # The Delivery rows and their attempts are the record: a finished job is worth
            # nothing, and its row would only grow the table.
            "delete_jobs": "successful",
        }

        async def work() -> None:
            # The jobs are synchronous and run on the loop's default executor: one thread per
            # job slot, so that every slot can hold a database connection of its own.
            loop = asyncio.get_running_loop()
            loop.set_default_executor(
                ThreadPoolExecutor(
                    max_workers=concurrency + live_concurrency, thread_name_prefix="sender"
                )
            )
            async with app.open_async():
                # Two procrastinate workers in one process: the live queue's slots are its own
                # (docs/decisions/0023-task-engine.md, "live on slots of their own").
                runs = [
                    asyncio.create_task(
                        app.run_worker_async(
                            queues=[LIVE_QUEUE],
                            name=f"senders-{os.getpid()}-live",
                            concurrency=live_concurrency,
                            **common,
                        )
                    ),
                    asyncio.create_task(
                        app.run_worker_async(
                            queues=[QUEUE],
                            name=f"senders-{os.getpid()}",
                            concurrency=concurrency,
                            **common,
                        )
                    ),
                ]

                cancelled: set[asyncio.Task[None]] = set()

                def stop() -> None:
                    # procrastinate stops a cancelled worker gracefully; cancelling it again
                    # would cut that short, so each is cancelled once.
                    for run in runs:
                        if run not in cancelled:
                            cancelled.add(run)
                            run.cancel()

                for signum in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(signum, stop)
                await asyncio.wait(runs, return_when=asyncio.FIRST_COMPLETED)
                stop()  # one stopped (it failed): the process stops, and is restarted whole
                ended = await asyncio.gather(*runs, return_exceptions=True)
                failed = [
                    e
                    for e in ended
                    if isinstance(e, BaseException) and not isinstance(e, asyncio.CancelledError)
                ]
                if failed:
                    raise failed[0]

        # The worker listens (LISTEN/NOTIFY) and fetches on a pool of its own; the tasks use
        # Django's connections, as everything else does.
        try:
            with app.replace_connector(connector.get_worker_connector()):
                asyncio.run(work())
        finally:
            close_old_connections()
