"""A national surge: declarations across many partnerships while every member's page listens.

A benchmark, not a test (issue 17). On real PostgreSQL and a ``redis-server`` of its own on a
free loopback port, it builds ``--partnerships`` partnerships (50) of ``--members`` members (40)
through the services (own agencies and areas, the source document's protocol published, the roles
of the protocol filled as the demo partnership fills them; ``bench/_support.py``). Then, for each
server count (``--servers``, two Daphne processes then one, each time with ``manage.py
runscheduler`` and ``--workers`` sender workers, ``manage.py runsenders``, beside them as in
production; ``--workers 0`` has each Daphne process send with its own threads, as before):

- every member holds a page open (``--listeners``, all 2,000 by default): a websocket on
  ``/ws/alerts/`` that resumes as ``alerts.js`` does (on connect, every ``--heartbeat`` seconds,
  and on a gap); members who run the board (the senior police officer, the CRRO, the
  co-ordinators, gold) also watch ``/ws/board/``, resuming as ``board.js`` does (from now on
  connect, then from the last change seen every ``--heartbeat`` seconds). Sockets are spread
  round-robin over the servers;
- ``--declarations`` declarations (100) are made over ``--seconds`` (60), the partnerships in
  turn, each followed by its partnership's acknowledgements, duty completions, a reply and a
  timeline read (``bench/surge/workload.py``). Each declaration alerts its protocol's audience
  (the co-ordinators, the CRRO's referral) and its board's watchers; each completed step alerts
  that step's audience (the REC, the Council, the co-ordinator); each reply alerts its sender;
- when every delivery is made, each page and board resumes once more, and the database is asked
  what was sent: each live notification to a listening member must have reached its page
  exactly once, and each board change numbered for a watcher's partnership its board, pushed or
  replayed;
- then the floor (``bench/surge/floor.py``): the same messages to as many sockets through bare
  Channels (``bench.floor_asgi``) on as many Daphne processes, at the same moments.

It prints alert latency (from the response of the request that caused each alert to the page)
p50/p99/max beside the floor's, board pushes likewise, each endpoint's p50/p99, CPU per alert
(Daphne, the scheduler and the workers; with PostgreSQL's backends and Redis; the floor's servers
and Redis), and ``LOST: n  DOUBLED: n`` last; exit 1 when either is not zero or a phase did not
finish, 2 when it could not run. Loopback only; the database ``coordinator_bench_surge`` is dropped
at the end unless ``--keep``::

    .venv/bin/python -m bench.surge [--partnerships 50] [--members 40] [--declarations 100] \
        [--seconds 60] [--servers 2,1] [--workers 1] [--quick] [--keep] [--profile DIR]

``--profile DIR`` samples the servers with py-spy over the measured window (the thread holding
the interpreter lock: where the CPU goes) and ``python -m bench.surge.profile DIR`` sums the
samples by the project's functions.
"""

from __future__ import annotations

from bench.surge.main import main

__all__ = ["main"]
