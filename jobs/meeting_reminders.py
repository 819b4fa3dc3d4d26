"""Composers for the meeting reminders, the post-meeting prompt and the cadence nudge (SPEC §6)."""

from __future__ import annotations

from bot.services import meetings as meeting_service
from bot.services import recipients
from bot.services.kinds import Kind
from bot.views import meetings as views
from jobs.compose import Compose, Composer, Message

CADENCE_ROLES = frozenset({"national_authority", "facilitator"})


async def meeting_reminder(c: Compose) -> list[Message]:
    """Group post (mentioning who cannot be written to) + private message to non-responders."""
    coalition, meeting = c.coalition, c.meeting
    attendance = await meeting_service.attendance(c.session, meeting)
    counts = await meeting_service.counts(c.session, meeting)
    audience = recipients.split_by_reach(attendance.silent)
    group = c.group(
        lambda t: views.reminder_group(t, coalition, meeting, counts, audience.mention_in_group),
        lambda t: views.rsvp_keyboard(t, meeting),
    )
    private = c.private(
        audience.private,
        lambda t: views.reminder_private(t, coalition, meeting, t.tz.key),
        lambda t: views.rsvp_keyboard(t, meeting),
    )
    return [group, *private]


async def post_meeting(c: Compose) -> list[Message]:
    coalition, meeting = c.coalition, c.meeting
    return c.private(await c.managers(), lambda t: views.post_meeting_prompt(t, coalition, meeting))


async def cadence(c: Compose) -> list[Message]:
    coalition = c.coalition
    last = await meeting_service.last_held(c.session, coalition.id, c.reminder.due_at)
    starts = last.starts_at if last else None
    return c.private(
        await c.with_roles(CADENCE_ROLES),
        lambda t: views.cadence_nudge(t, coalition, starts, coalition.cadence_months),
    )


COMPOSERS: dict[Kind, Composer] = {
    Kind.MEETING: meeting_reminder,
    Kind.POST_MEETING: post_meeting,
    Kind.CADENCE: cadence,
}
