"""Scheduled work. The database is the source of truth; the scheduler only decides when to look.

`register` configures PTB's APScheduler (misfires are never silently skipped);
`start` rebuilds the in-memory schedule from the database after every start.
"""

from __future__ import annotations

from telegram.ext import Application

MISFIRE_GRACE_SECONDS = 3600


def register(application: Application) -> None:
    scheduler = application.job_queue.scheduler
    scheduler.configure(
        **application.job_queue.scheduler_configuration,
        job_defaults={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True, "max_instances": 1},
    )


async def start(application: Application) -> None:
    """Nothing is scheduled yet in the foundation; meetings add their dispatcher here."""
