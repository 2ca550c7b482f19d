"""CPU time of the processes that serve a ``bench.surge`` phase, from ``/proc`` (Linux).

The servers (each Daphne, the scheduler, each sender worker) are read at the start and the end of
the phase. Redis (the benchmark's own) likewise. PostgreSQL backends come and go with the servers'
connections, so the backends of the benchmark's database are sampled every second and each counts
from its first sample (from zero when it appeared during the phase) to its last."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU seconds of one process, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


@dataclass
class Meter:
    servers: dict[str, int]  # name -> pid
    redis_pid: int | None
    database_url: str
    started: dict[str, float] = field(default_factory=dict)
    ended: dict[str, float] = field(default_factory=dict)
    backends: dict[int, tuple[float, float]] = field(default_factory=dict)  # first, last
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    failed: str = ""  # why the backends could not be read to the end

    def _processes(self) -> Iterable[tuple[str, int]]:
        yield from self.servers.items()
        if self.redis_pid is not None:
            yield "redis", self.redis_pid
        yield "client", os.getpid()  # the benchmark's own sockets and requests

    def _sample_backends(self, conn: object, *, first: bool) -> None:
        pids = [
            int(row[0])
            for row in conn.execute(  # type: ignore[attr-defined]
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchall()
        ]
        for pid in pids:
            seconds = cpu_seconds(pid)
            if seconds is None:
                continue
            start = self.backends.get(pid, (seconds if first else 0.0, 0.0))[0]
            self.backends[pid] = (start, seconds)

    def _watch(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.database_url, autocommit=True, connect_timeout=3) as conn:
                self._sample_backends(conn, first=True)
                while not self._stop.wait(1.0):
                    self._sample_backends(conn, first=False)
                self._sample_backends(conn, first=False)
        except psycopg.Error as exc:
            self.failed = f"{type(exc).__name__}: {exc}"[:200]

    def start(self) -> None:
        self.started = {
            name: seconds
            for name, pid in self._processes()
            if (seconds := cpu_seconds(pid)) is not None
        }
        if self.database_url:
            self._thread = threading.Thread(target=self._watch, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self.ended = {
            name: seconds
            for name, pid in self._processes()
            if (seconds := cpu_seconds(pid)) is not None
        }
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def used(self, name: str) -> float:
        return max(0.0, self.ended.get(name, 0.0) - self.started.get(name, 0.0))

    @property
    def servers_seconds(self) -> float:
        return sum(self.used(name) for name in self.servers)

    @property
    def redis_seconds(self) -> float:
        return self.used("redis")

    @property
    def client_seconds(self) -> float:
        return self.used("client")

    @property
    def postgres_seconds(self) -> float:
        return sum(last - first for first, last in self.backends.values())
