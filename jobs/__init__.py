"""Scheduled work. The database is the source of truth; the scheduler only decides when to look.

`register` configures PTB's APScheduler so a late run is never silently skipped;
`start` adds the recurring looks: the reminder dispatcher (every few seconds, and at once on
start-up to catch up on what fell due while the bot was down), housekeeping (every minute:
what must not outlive its hour) and the watchdogs.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.services.kinds import Kind
from jobs import (
    actions,
    agenda,
    closing,
    housekeeping,
    meeting_reminders,
    needs,
    organisations,
    progress,
    treaty,
    undelivered,
)
from jobs.compose import Composer
from jobs.dispatch import INTERVAL, Dispatcher
from jobs.watchdogs import WATCHDOG_INTERVAL, run_watchdogs

MISFIRE_GRACE_SECONDS = 3600
DISPATCHER_KEY = "dispatcher"


def _one_composer_per_kind(*tables: dict[Kind, Composer]) -> dict[Kind, Composer]:
    """Join the areas' composer tables; a kind without a composer, with two, or not named in `Kind`
    stops the import."""
    joined: dict[Kind, Composer] = {}
    for table in tables:
        twice = joined.keys() & table.keys()
        if twice:
            raise RuntimeError(f"two composers for {sorted(twice)}")
        joined |= table
    missing, unnamed = set(Kind) - joined.keys(), joined.keys() - set(Kind)
    if missing or unnamed:
        raise RuntimeError(f"no composer for {sorted(missing)}; composers for kinds not in Kind: {sorted(unnamed)}")
    return joined


COMPOSERS = _one_composer_per_kind(
    meeting_reminders.COMPOSERS,
    agenda.COMPOSERS,
    progress.COMPOSERS,
    actions.COMPOSERS,
    needs.COMPOSERS,
    organisations.COMPOSERS,
    treaty.COMPOSERS,
    closing.COMPOSERS,
    undelivered.COMPOSERS,
)
"""Every kind of scheduled message and the composer that writes it."""


def register(application: Application) -> None:
    scheduler = application.job_queue.scheduler
    scheduler.configure(
        **application.job_queue.scheduler_configuration,
        job_defaults={"misfire_grace_time": MISFIRE_GRACE_SECONDS, "coalesce": True, "max_instances": 1},
    )


async def start(application: Application) -> None:
    dispatcher = Dispatcher(application, COMPOSERS)
    application.bot_data[DISPATCHER_KEY] = dispatcher
    queue = application.job_queue

    async def dispatch(_context: object) -> None:
        await dispatcher.tick(wait=False)
        delay = await dispatcher.until_next_due()
        if delay is not None and 0 < delay < INTERVAL:  # due before the next look: look then too
            queue.run_once(
                dispatch, when=delay, name="dispatch-due", job_kwargs={"id": "dispatch-due", "replace_existing": True}
            )

    # a long fan-out outlives several intervals: extra runs return at once (Dispatcher.tick is
    # guarded by a lock) instead of APScheduler logging every skipped run
    queue.run_repeating(
        dispatch,
        interval=INTERVAL,
        first=0.0,
        name="dispatch",
        job_kwargs={"id": "dispatch", "replace_existing": True, "max_instances": 3},
    )
    queue.run_repeating(
        housekeeping.run,
        interval=housekeeping.INTERVAL,
        first=0.5,
        name="housekeeping",
        job_kwargs={"id": "housekeeping", "replace_existing": True},
    )
    queue.run_repeating(
        run_watchdogs,
        interval=WATCHDOG_INTERVAL,
        first=1.0,
        name="watchdogs",
        job_kwargs={"id": "watchdogs", "replace_existing": True},
    )
