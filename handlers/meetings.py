"""Handlers for meetings: /meeting (with its step-by-step dialog), /meetings, /rsvps,
/reschedule, /cancel, /ics and the RSVP buttons."""

from __future__ import annotations

from collections import Counter

from telegram import Update

from bot.i18n import N_
from bot.models import Coalition, DialogState, Meeting
from bot.outbox.announcements import COMPLETION as ANNOUNCEMENT
from bot.runtime import BotContext
from bot.services import meetings as meeting_service
from bot.services import members as member_service
from bot.services.calendar import meeting_ics
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.meetings import MeetingRequest
from bot.views import callbacks
from bot.views import meetings as views
from bot.views import progress as progress_views
from bot.views.render import Render, every
from handlers import dialogs
from handlers.buttons import pressed
from handlers.coalition import require_group_manager
from handlers.members import require_group
from handlers.turn import Turn, handler


async def _schedule(turn: Turn, context: BotContext, request: MeetingRequest) -> None:
    meeting = await meeting_service.schedule(turn.session, turn.coalition, request, turn.now)
    coalition = turn.coalition
    turn.reply(
        lambda t: views.announcement(t, coalition, meeting, Counter()),
        lambda t: views.rsvp_keyboard(t, meeting),
        home=True,
        durable=True,
        completion=(ANNOUNCEMENT, meeting.id),
    )


DIALOG = "meeting"
"""The stored dialog of /meeting without arguments: when → title → location."""


@handler
async def meeting(turn: Turn, update: Update, context: BotContext) -> None:
    await require_group_manager(turn, context)
    if not context.args:
        await dialogs.start(turn, DIALOG, "when")
        turn.ask(views.ask_when)
        return
    text = update.effective_message.text.split(maxsplit=1)[1]
    await _schedule(turn, context, MeetingRequest.parse(text, turn.coalition.timezone))


async def meeting_step(turn: Turn, update: Update, context: BotContext, row: DialogState) -> None:
    """One answer of the /meeting dialog, in the step's own transaction."""
    text = update.effective_message.text.strip()
    if row.step == "when":
        request = MeetingRequest.parse(text, turn.coalition.timezone)
        meeting_service.require_future(request.starts_at, turn.now)
        await dialogs.advance(turn, update, row, "title", {"text": text})
        turn.ask(views.ask_title)
    elif row.step == "title":
        title = "" if text == "-" else text.replace("@", " ")
        await dialogs.advance(turn, update, row, "location", {**row.data, "title": title})
        turn.ask(views.ask_location)
    else:
        await require_group_manager(turn, context)
        draft = f"{row.data['text']} {row.data['title']}" + ("" if text == "-" else f" @ {text}")
        await _schedule(turn, context, MeetingRequest.parse(draft, turn.coalition.timezone))
        await dialogs.finish(turn, update, row)


@handler
async def meetings(turn: Turn, update: Update, context: BotContext) -> None:
    """In the group: this coalition's meetings; in private: every coalition of the reader."""
    if turn.private:
        coalitions = [c for c, _ in await member_service.coalitions_of(turn.session, turn.person)]
    else:
        require_group(turn)
        coalitions = [turn.coalition]
    blocks = []
    own_tz = turn.person.timezone if turn.private and turn.person else None
    for coalition in coalitions:
        items = [
            (m, await meeting_service.counts(turn.session, m))
            for m in await meeting_service.upcoming(turn.session, coalition, turn.now)
        ]
        blocks.append((coalition, items))
    if not blocks:
        raise NotFound(N_("You are not a member of any coalition yet."))
    turn.reply(lambda t: "\n\n".join(views.meeting_list(t, c, items, own_tz) for c, items in blocks))


@handler
async def rsvps(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    meeting = await _named_meeting(turn, context, N_("Name the meeting: /rsvps M2."))
    attendance = await meeting_service.attendance(turn.session, meeting)
    turn.reply(lambda t: views.rsvp_report(t, meeting, attendance))


async def _named_meeting(turn: Turn, context: BotContext, usage: str) -> Meeting:
    if not context.args:
        raise InvalidInput(usage)
    return await meeting_service.by_number(turn.session, turn.coalition, context.args[0])


async def _tell_answered(turn: Turn, meeting: Meeting, render: Render) -> None:
    attendance = await meeting_service.attendance(turn.session, meeting)
    for member, _choice in attendance.answered:
        turn.tell(member.person, render, durable=True)


@handler
async def reschedule(turn: Turn, update: Update, context: BotContext) -> None:
    await require_group_manager(turn, context)
    args = context.args or []
    if len(args) < 3:
        raise InvalidInput(N_("Use: /reschedule M2 YYYY-MM-DD HH:MM."))
    meeting = await meeting_service.by_number(turn.session, turn.coalition, args[0])
    starts_at = meeting_service.parse_local(args[1], args[2], turn.coalition.timezone)
    await meeting_service.reschedule(turn.session, turn.coalition, meeting, starts_at, turn.now)
    coalition = turn.coalition
    turn.reply(lambda t: views.rescheduled(t, coalition, meeting), durable=True)
    await _tell_answered(turn, meeting, lambda t: views.rescheduled(t, coalition, meeting, t.tz.key))
    turn.defer(lambda: turn.runtime.announcements.refresh_now(meeting.id))


@handler
async def cancel(turn: Turn, update: Update, context: BotContext) -> None:
    """`/cancel M2` cancels a meeting; a bare `/cancel` stops the sender's /meeting or /report
    dialog here (the /concern dialog has its own)."""
    if not context.args:
        stopped = await dialogs.stop(turn)
        if stopped:
            turn.reply(views.stopped if DIALOG in stopped else progress_views.report_stopped)
            return
    await require_group_manager(turn, context)
    meeting = await _named_meeting(turn, context, N_("Name the meeting: /cancel M2."))
    await meeting_service.cancel(turn.session, meeting, turn.now)
    turn.reply(lambda t: views.cancelled(t, meeting), durable=True)
    await _tell_answered(turn, meeting, lambda t: views.cancelled(t, meeting))
    turn.defer(lambda: turn.runtime.announcements.refresh_now(meeting.id))


@handler
async def ics(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    meeting = await _named_meeting(turn, context, N_("Name the meeting: /ics M2."))
    content = meeting_ics(turn.coalition, meeting, views.calendar_summary(turn.langs()[0], turn.coalition, meeting))
    caption = lambda t: every(t, lambda lang: views.title(lang, meeting))  # noqa: E731 - in every group language
    turn.send_file(f"meeting-M{meeting.number}.ics", content, caption)


@handler
async def rsvp_button(turn: Turn, update: Update, context: BotContext) -> None:
    data = pressed(update, callbacks.Rsvp)
    meeting = await turn.session.get(Meeting, data.meeting_id)
    if meeting is None:
        raise NotFound(N_("This meeting no longer exists."))
    coalition = await turn.session.get(Coalition, meeting.coalition_id)
    if not turn.private and (turn.coalition is None or turn.coalition.id != coalition.id):
        raise NotAllowed(N_("This button belongs to another coalition's meeting."))
    member = await turn.member_of(coalition)
    turn.coalition = coalition
    changed = await meeting_service.answer(turn.session, meeting, member, data.choice, turn.now)
    turn.answer(lambda t: views.rsvp_recorded(t, meeting, data.choice))
    if changed and meeting.announcement_message_id:
        turn.defer(lambda: _request_refresh(turn, context, meeting.id))


async def _request_refresh(turn: Turn, context: BotContext, meeting_id: int) -> None:
    turn.runtime.announcements.request(meeting_id)
