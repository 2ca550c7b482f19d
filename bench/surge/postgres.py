"""A PostgreSQL server of the benchmark's own, on a free loopback port, for the run only.

Two Daphne processes, the scheduler and their sender threads hold a few dozen connections
between them at the surge's peak: on a machine whose PostgreSQL others share (its default
``max_connections`` is 100), that took every connection others' test suites had left, and theirs
failed with "too many clients". Its own server keeps the benchmark from others and others from
it. It runs with PostgreSQL's defaults (``fsync`` and ``synchronous_commit`` on, as the shared
server) except ``max_connections``, and is stopped and deleted at the end.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.live_alerts import BenchError, _free_port

MAX_CONNECTIONS = 300


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
            return str(candidate)
        raise BenchError(f"{name} is not on the PATH: pass --database-url to use a server")
    return found


def _owner() -> tuple[int | None, int | None]:
    """PostgreSQL refuses to run as root: as root, run it as the postgres user (itself, not
    through runuser, so that the signal that stops it reaches it)."""
    if os.geteuid() != 0:
        return None, None
    owner = pwd.getpwnam("postgres")
    return owner.pw_uid, owner.pw_gid


@contextlib.contextmanager
def own_postgres(database: str) -> Iterator[str]:
    """Yield the URL of ``database`` on a new server of the benchmark's own."""
    home = Path(tempfile.mkdtemp(prefix="bench-surge-pg-"))
    uid, gid = _owner()
    if uid is not None and gid is not None:
        os.chown(home, uid, gid)
    data = home / "data"
    port = _free_port()
    process: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run(
            [_binary("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"],
            user=uid,
            group=gid,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        process = subprocess.Popen(
            [
                _binary("postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={home}",
                "-c",
                f"max_connections={MAX_CONNECTIONS}",
            ],
            user=uid,
            group=gid,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            ready = subprocess.run(
                [_binary("pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"], check=False
            )
            if ready.returncode == 0:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"PostgreSQL of the benchmark's own did not start on {port}")
            time.sleep(0.2)
        yield f"postgres://postgres@127.0.0.1:{port}/{database}"
    except subprocess.CalledProcessError as exc:
        raise BenchError(f"initdb failed: {exc.stderr.decode(errors='replace')[-500:]}") from exc
    finally:
        if process is not None:
            process.send_signal(signal.SIGINT)  # a fast shutdown
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        shutil.rmtree(home, ignore_errors=True)
