"""Composer of the anonymous concern's delivery to the facilitators (SPEC §8).

The reminder names only the concern (`subject_id`); the facilitators are read when it is
sent, so one who has just started the bot is served, and a retried fan-out skips those
already served like any other reminder.
"""

from __future__ import annotations

from bot.models import Concern
from bot.services import concerns as concern_service
from bot.services.kinds import Kind
from bot.views import agenda as views
from jobs.compose import Compose, Composer, Message


async def concern(c: Compose) -> list[Message]:
    record = await c.session.get(Concern, c.reminder.subject_id)
    if record is None:  # the coalition was deleted meanwhile
        return []
    coalition = c.coalition
    return c.private(
        await c.with_roles(concern_service.FACILITATORS),
        lambda t: views.concern_for_facilitator(t, coalition, record),
    )


COMPOSERS: dict[Kind, Composer] = {Kind.CONCERN: concern}
