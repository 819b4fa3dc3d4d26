"""Housekeeping: deletes what must not outlive its moment, every minute, in every instance.

- anonymous-concern limiter and quota entries whose expiry hour has passed, and finished
  concern deliveries (SPEC §8: deleted by the scheduled jobs, not only when another concern
  arrives);
- dialog states past their 15 minutes, and edit notices Telegram no longer needs.
Each statement is idempotent, so two instances running it at once do no harm.
"""

from __future__ import annotations

from bot.runtime import BotContext
from bot.services import concerns, dialog_state, edits

INTERVAL = 60.0


async def run(context: BotContext) -> None:
    runtime = context.runtime
    async with runtime.db.transaction() as session:
        now = runtime.clock.now()
        await concerns.sweep(session, now)
        await dialog_state.sweep(session, now)
        await edits.forget_old(session, now)
