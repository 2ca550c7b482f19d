"""Scheduled work of the partnership app: signed checkpoints of the timeline's chains, and expired
API tokens deleted (each job finds its work in the database; running it late or twice is
harmless)."""

from __future__ import annotations

from config.scheduler import Job
from partnership.auth import tokens_expired_delete
from partnership.checkpoints import checkpoints_run

JOBS = [
    Job(name="timeline-checkpoints", run=checkpoints_run),
    Job(name="api-tokens-expired", run=tokens_expired_delete),
]
