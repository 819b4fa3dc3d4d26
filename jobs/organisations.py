"""The managers' list of members and the organisations they act for (SPEC §3), written by
the upgrade that brought confirmations (revision 0010) as one reminder per coalition.

It is decided at send time: a claim revoked meanwhile is not listed. It goes to every
manager who may be written to privately; a coalition with none gets it in its group, where
only managers' presses of *Revoke* count.
"""

from __future__ import annotations

from bot.i18n import Lang
from bot.services import members as member_service
from bot.services import organisations as service
from bot.services.kinds import Kind
from bot.views import organisations as views
from jobs.compose import Compose, Composer, Message


async def review(c: Compose) -> list[Message]:
    coalition = c.coalition
    known = await service.by_name(c.session, coalition)
    claims = [m for m in await member_service.members(c.session, coalition) if m.acting_organisation in known]
    archived = await service.archived_reports(c.session, coalition)
    if not claims and not archived:
        return []
    buttons = [(m, known[m.acting_organisation].id) for m in claims]

    def render(t: Lang) -> str:
        return views.review(t, coalition, claims, archived)

    keyboard = (lambda t: views.review_keyboard(t, buttons)) if buttons else None
    return c.private(await c.managers(), render, keyboard) or [c.group(render, keyboard)]


COMPOSERS: dict[Kind, Composer] = {Kind.ORGANISATIONS: review}
