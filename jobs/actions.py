"""Composers for action points (SPEC §5, §6): the summary's private copies, the mid-term
request to owners, the national authority's draft and its group post, the overdue digest.

Owners are resolved here, at send time: whoever belongs to the owning organisation or holds
the owning role when the message leaves receives it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select

from bot.models import ActionPoint, Meeting, Reminder
from bot.services import action_planning as planning
from bot.services import actions as service
from bot.services import recipients, summaries
from bot.services.actions import Item
from bot.services.kinds import Kind
from bot.services.members import Member
from bot.services.roles import AUTHORITY
from bot.views import actions as views
from jobs.compose import Compose, Composer, Message


async def _authority(c: Compose) -> list[Member]:
    """The national authority; the other managers when the coalition has none."""
    return await c.with_roles(AUTHORITY) or await c.managers()


def _by_owner(items: list[Item], members: list[Member]) -> list[tuple[Member, list[Item]]]:
    """Each owner (resolved now) with the items they own, in member order."""
    owned: dict[int, tuple[Member, list[Item]]] = {}
    for item in items:
        for member in service.owners(item.action, members):
            owned.setdefault(member.person.id, (member, []))[1].append(item)
    return list(owned.values())


async def _items(c: Compose, actions: list[ActionPoint]) -> list[Item]:
    today = service.local_today(c.coalition, c.reminder.due_at)
    return await service.items(c.session, actions, today)


async def summary(c: Compose) -> list[Message]:
    """The meeting summary, privately to every member in their language."""
    meeting = await c.session.get(Meeting, c.reminder.subject_id)
    if meeting is None:
        return []
    coalition = c.coalition
    result = await summaries.compose(c.session, coalition, meeting, c.reminder.due_at)
    members = await recipients.active_members(c.session, coalition.id)
    return c.private(members, lambda t: views.summary(t, coalition, result))


async def _midpoint(c: Compose) -> datetime:
    key = planning.midterm_draft_key(c.reminder.subject_id)
    draft = (await c.session.exec(select(Reminder).where(Reminder.key == key))).first()
    return draft.due_at if draft else c.reminder.due_at + planning.ASK_BEFORE


async def midterm_ask(c: Compose) -> list[Message]:
    """Each owner of open action points: their points with one-tap status buttons."""
    coalition = c.coalition
    items = await _items(c, await service.open_actions(c.session, coalition.id))
    members = await recipients.active_members(c.session, coalition.id)
    midpoint = await _midpoint(c)
    messages = []
    for member, owned in _by_owner(items, members):
        messages += c.private(
            [member],
            lambda t, owned=owned: views.midterm_request(t, coalition, owned, midpoint),
            lambda t, owned=owned: views.status_keyboard(t, owned),
        )
    return messages


async def _cycle_items(c: Compose) -> tuple[Meeting | None, list[Item]]:
    """Open action points, and those done since the meeting that opened the cycle."""
    last = await c.session.get(Meeting, c.reminder.subject_id)
    if last is None:
        return None, []
    actions = await service.open_actions(c.session, c.coalition.id)
    actions += await service.done_since(c.session, c.coalition.id, last.starts_at)
    return last, await _items(c, sorted(actions, key=lambda a: a.number))


async def midterm_draft(c: Compose) -> list[Message]:
    """The national authority's draft with a button to circulate it."""
    coalition, reminder_id = c.coalition, c.reminder.id
    last, items = await _cycle_items(c)
    if last is None or not items:
        return []
    return c.private(
        await _authority(c),
        lambda t: views.midterm_draft(t, coalition, items, last),
        lambda t: views.circulate_keyboard(t, reminder_id),
    )


async def midterm_post(c: Compose) -> list[Message]:
    """The circulated mid-term update, in the group (rendered when it leaves)."""
    coalition = c.coalition
    last, items = await _cycle_items(c)
    if last is None:
        return []
    return [c.group(lambda t: views.midterm_post(t, coalition, items, last))]


async def overdue(c: Compose) -> list[Message]:
    """Each owner their overdue points; the national authority the whole list. Nothing if none."""
    coalition = c.coalition
    today = service.local_today(coalition, c.reminder.due_at)
    actions = [a for a in await service.open_actions(c.session, coalition.id) if service.is_overdue(a, today)]
    if not actions:
        return []
    items = await _items(c, actions)
    authority = await _authority(c)
    whole = {m.person.id for m in authority}
    messages = c.private(authority, lambda t: views.overdue_digest(t, coalition, items, whole=True))
    members = await recipients.active_members(c.session, coalition.id)
    for member, owned in _by_owner(items, members):
        if member.person.id not in whole:
            messages += c.private(
                [member], lambda t, owned=owned: views.overdue_digest(t, coalition, owned, whole=False)
            )
    return messages


COMPOSERS: dict[Kind, Composer] = {
    Kind.SUMMARY: summary,
    Kind.MIDTERM_ASK: midterm_ask,
    Kind.MIDTERM_DRAFT: midterm_draft,
    Kind.MIDTERM_POST: midterm_post,
    Kind.OVERDUE: overdue,
}
