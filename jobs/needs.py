"""Composers of resource mobilisation (SPEC §6, §13): the national authority told of
unpledged high-priority needs put on a meeting's agenda, and the donor's nudges for a
pledge not disbursed after its expected date.

Both decide *at send time*: a need pledged meanwhile is left out, a pledge disbursed or
withdrawn meanwhile sends nothing, and the nudge goes to whoever acts for the donor now.
"""

from __future__ import annotations

from bot.models import Need, Pledge
from bot.services import needs as service
from bot.services import recipients
from bot.services.kinds import Kind
from bot.services.roles import AUTHORITY
from bot.views import needs as views
from jobs.compose import Compose, Composer, Message


async def agenda_needs(c: Compose) -> list[Message]:
    meeting, coalition = c.meeting, c.coalition
    if meeting is None or meeting.cancelled:
        return []
    unpledged = await service.unpledged_high(c.session, coalition)
    if not unpledged:
        return []
    authority = await c.with_roles(AUTHORITY) or await c.managers()
    return c.private(authority, lambda t: views.agenda_notice(t, coalition, meeting, unpledged))


async def pledge_nudge(c: Compose) -> list[Message]:
    pledge = await c.session.get(Pledge, c.reminder.subject_id)
    if pledge is None or pledge.state not in service.OPEN_STATES:
        return []
    if await service.nudge_superseded(c.session, c.reminder, c.runtime.clock.now()):
        return []  # after downtime: only the latest of the nudges due at once is sent
    need = await c.session.get(Need, pledge.need_id)
    coalition = c.coalition
    members = service.donor_members(await recipients.active_members(c.session, coalition.id), pledge.organisation)
    return c.private(members, lambda t: views.nudge(t, coalition, pledge, need))


COMPOSERS: dict[Kind, Composer] = {Kind.NEED_AGENDA: agenda_needs, Kind.PLEDGE_NUDGE: pledge_nudge}
