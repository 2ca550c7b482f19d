"""One ladder engine for everything that climbs when nobody acts on it.

A laddered thing (a duty, a conference action, a notification waiting to be acknowledged, and the
case actions, reviews and requests later issues add) has an owner, a start (its due time, or when
it was sent) and a ladder: rungs ``{"after_seconds": N, "to": ...}`` counted from the start. When a
rung is due the engine tells whom it names (the owner again, the owner's deputies, or an audience
such as the CSP Co-ordinator), once, under the thing's row lock.

- ``rungs``: what a ladder is made of and when each rung is due;
- ``kinds``: ``LadderKind``, where each kind of thing says who its owner and deputies are, what a
  rung's message says and in which states it falls due and climbs; and the registry of kinds;
- ``engine``: turning due things overdue, firing rungs, draining due work in order, and the next
  due time for the scheduler.

The rungs that fired are ``notifications.models.LadderRung`` rows; the progress is the thing's own
``next_rung``/``next_rung_at`` (``notifications.models.Laddered``), changed only by its
transitions. Why one table and one engine: ``docs/decisions/0004-one-ladder-engine.md``.

This package's ``__init__`` imports nothing: ``notifications.services`` uses ``rungs`` and the
engine uses ``notifications.services``, so the modules are imported one by one.
"""
