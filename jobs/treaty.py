"""Composers of the treaty-reporting reminders (SPEC §6, §14).

* `article7`: the report on the previous year, from 1 March every Monday, then overdue notices
  every 14 days (planned one at a time by `treaty.plan_article7`): to the national authority
  (managers if there is none); an overdue notice to the national authority and the managers.
  Nothing is sent once the year is marked submitted.
* `article7_changed`: a report filed after the submission changed that year's figures: the
  national authority (managers if there is none).
* `extension_due`: 90, 30 and 7 days before the extension request's submission date: the
  national authority and the managers.
"""

from __future__ import annotations

from bot.models import TreatyDeadline
from bot.services import treaty as treaty_service
from bot.services.kinds import Kind
from bot.services.members import Member
from bot.services.roles import AUTHORITY, MANAGER_ROLES
from bot.views import treaty as views
from jobs.compose import Compose, Composer, Message


async def _authority_or_managers(c: Compose) -> list[Member]:
    return await c.with_roles(AUTHORITY) or await c.managers()


async def article7_reminder(c: Compose) -> list[Message]:
    year, coalition = c.reminder.subject_id, c.coalition
    if await treaty_service.submission(c.session, coalition, year) is not None:
        return []
    # decided as of sending: a reminder planned before 30 April but sent after is an overdue notice
    overdue = treaty_service.overdue(coalition, year, c.runtime.clock.now())
    people = await c.with_roles(AUTHORITY | MANAGER_ROLES) if overdue else await _authority_or_managers(c)
    return c.private(people, lambda t: views.article7_reminder(t, coalition, year, overdue))


async def article7_changed(c: Compose) -> list[Message]:
    year, coalition = c.reminder.subject_id, c.coalition
    stored = await treaty_service.submission(c.session, coalition, year)
    if stored is None:
        return []
    organisation, when = c.reminder.label, stored.submitted_at
    return c.private(
        await _authority_or_managers(c), lambda t: views.article7_changed(t, coalition, year, organisation, when)
    )


async def extension_due(c: Compose) -> list[Message]:
    msp = await c.session.get(TreatyDeadline, c.reminder.subject_id)
    if msp is None:
        return []
    coalition, now = c.coalition, c.runtime.clock.now()
    return c.private(
        await c.with_roles(AUTHORITY | MANAGER_ROLES), lambda t: views.extension_alert(t, coalition, msp, now)
    )


COMPOSERS: dict[Kind, Composer] = {
    Kind.ARTICLE7: article7_reminder,
    Kind.ARTICLE7_CHANGED: article7_changed,
    Kind.EXTENSION_DUE: extension_due,
}
