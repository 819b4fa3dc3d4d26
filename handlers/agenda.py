"""Handlers for the agenda (/propose, /poll, /closepoll, /agenda and Telegram's poll updates)
and for anonymous concerns (the private /concern dialog, /concerns, /raise).

The concern dialog keeps the text only in memory (`user_data`, never a row: SPEC §8) between
the message and the button that sends it, which comes with the list of who will receive it;
the text is dropped when the dialog ends, is cancelled or times out, and a button reaching a
process that does not hold it says why. The button carries the coalition id alone. Nothing
here logs an update or a concern.
"""

from __future__ import annotations

import logging
import warnings

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot, Message, Poll, Update
from telegram.error import BadRequest
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
)
from telegram.warnings import PTBUserWarning

from bot.i18n import N_
from bot.models import Meeting
from bot.runtime import BotContext
from bot.services import agenda as agenda_service
from bot.services import concerns as concern_service
from bot.services import members as member_service
from bot.services.errors import InvalidInput, NotAllowed, NotFound, UserError
from bot.views import agenda as views
from bot.views import callbacks
from bot.views.render import esc, multilingual
from handlers.buttons import pressed
from handlers.coalition import require_group_manager
from handlers.dialogs import NEW, TEXT, dialog
from handlers.members import require_group
from handlers.turn import Turn, handler, person_info

log = logging.getLogger(__name__)

WRITING, CHOOSE = range(2)
_PENDING = "concern_text"
_EXPIRED = N_(
    "Nothing was sent: for your anonymity the text was only in the bot's memory, "
    "which was cleared (restart or another server). Send /concern again."
)
"""A button alert: at most 200 characters in every language."""


def _argument_text(update: Update) -> str:
    """Everything after the command, line breaks included."""
    parts = (update.effective_message.text or "").split(maxsplit=1)
    return parts[1] if len(parts) > 1 else ""


async def _meeting(turn: Turn, meeting_id: int | None) -> Meeting | None:
    return await turn.session.get(Meeting, meeting_id) if meeting_id else None


@handler
async def propose(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    proposal = await agenda_service.propose(turn.session, turn.coalition, turn.member, _argument_text(update), turn.now)
    meeting = await _meeting(turn, proposal.meeting_id)
    turn.reply(lambda t: views.proposed(t, proposal, meeting))


@handler
async def poll(turn: Turn, update: Update, context: BotContext) -> None:
    """`/poll`: stored and posted as one durable message, so a crash or an outage only delays it."""
    await require_group_manager(turn, context)
    draft = await agenda_service.draft_poll(turn.session, turn.coalition, _argument_text(update), turn.now)
    question = draft.question or views.poll_question(
        turn.langs(), await agenda_service.next_meeting(turn.session, turn.coalition, turn.now)
    )
    stored = await agenda_service.store_poll(turn.session, turn.coalition, draft, question, turn.chat.id, turn.now)
    params = {
        "question": esc(question),
        "options": [esc(option) for option in draft.options],
        "is_anonymous": draft.anonymous,
        "allows_multiple_answers": True,
    }
    turn.send_durable("send_poll", params, completion=(POLL_POSTED, stored.id))


POLL_POSTED = "poll"
"""The durable completion that ties a posted poll to Telegram's poll id (`poll_posted`)."""


async def poll_posted(session: AsyncSession, poll_id: int, sent: list[Message]) -> None:
    message = sent[-1]
    await agenda_service.posted(session, poll_id, message.poll.id, message.chat_id, message.message_id)


@handler
async def closepoll(turn: Turn, update: Update, context: BotContext) -> None:
    await require_group_manager(turn, context)
    latest = await agenda_service.latest_open(turn.session, turn.coalition)
    poll_id, chat_id, message_id = latest.id, latest.chat_id, latest.message_id

    async def stop(bot: Bot) -> Poll | None:
        try:
            return await bot.stop_poll(chat_id, message_id)
        except BadRequest as error:  # already closed, or its message deleted: keep the last counts reported
            log.warning("could not stop agenda poll %s: %s", poll_id, error.message)
            return None

    turn.send(stop, after=lambda stopped: _closed(turn, poll_id, stopped), label="stop poll")


async def _closed(turn: Turn, poll_id: int, stopped: Poll | None) -> None:
    counts = [o.voter_count for o in stopped.options] if stopped else None
    voters = stopped.total_voter_count if stopped else None
    async with turn.runtime.db.transaction() as session:
        await agenda_service.close(session, poll_id, counts, voters, turn.runtime.clock.now())
        result = await agenda_service.result(session, poll_id)
    turn.send_texts(multilingual(turn.langs(), lambda t: views.poll_result(t, result)))


@handler
async def agenda(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    reference = context.args[0] if context.args else None
    items = await agenda_service.agenda(turn.session, turn.coalition, reference, turn.now)
    turn.reply(lambda t: views.agenda(t, items))


async def poll_state(update: Update, context: BotContext) -> None:
    """Telegram's counts for a poll the bot sent (every vote, and its closing)."""
    state = update.poll
    async with context.runtime.db.transaction() as session:
        await agenda_service.record_state(
            session,
            state.id,
            [o.voter_count for o in state.options],
            state.total_voter_count,
            state.is_closed,
            context.runtime.clock.now(),
        )


async def poll_answer(update: Update, context: BotContext) -> None:
    """A member's choice in a named poll (anonymous polls never send these)."""
    answer = update.poll_answer
    if answer.user is None:  # a chat voting as itself: only the counts say anything
        return
    async with context.runtime.db.transaction() as session:
        await agenda_service.record_answer(session, answer.poll_id, person_info(answer.user), list(answer.option_ids))


@handler
async def concern(turn: Turn, update: Update, context: BotContext) -> int:
    turn.require_private()
    context.user_data.pop(_PENDING, None)
    text = _argument_text(update)
    if not text.strip():
        turn.ask(views.ask_concern)
        return WRITING
    return await _route(turn, context, text)


@handler
async def concern_text(turn: Turn, update: Update, context: BotContext) -> int:
    return await _route(turn, context, update.effective_message.text)


async def _route(turn: Turn, context: BotContext, text: str) -> int:
    """Show who would receive it in each of the member's coalitions (SPEC §8: before it is
    sent); the button of a coalition sends it there."""
    text = concern_service.clean_text(text)
    coalitions = [c for c, _ in await member_service.coalitions_of(turn.session, turn.person)]
    if not coalitions:
        raise NotFound(N_("You are not a member of any coalition yet."))
    options, refusal = [], None
    for coalition in coalitions:
        try:
            members = await concern_service.check(
                turn.session, coalition, turn.user.id, turn.runtime.concern_keys, turn.now
            )
        except UserError as error:
            refusal = refusal or error
        else:
            options.append((coalition, members))
    if not options:
        raise refusal
    context.user_data[_PENDING] = text
    turn.reply(
        lambda t: views.concern_recipients(t, options),
        lambda t: views.send_concern_keyboard(t, [c for c, _ in options]),
    )
    return CHOOSE


@handler
async def _concern_choice(turn: Turn, update: Update, context: BotContext) -> int:
    text = context.user_data.pop(_PENDING, None)
    if text is None:
        raise InvalidInput(_EXPIRED)
    chosen = pressed(update, callbacks.ConcernCoalition).coalition_id
    coalition = next(
        (c for c, _ in await member_service.coalitions_of(turn.session, turn.person) if c.id == chosen), None
    )
    if coalition is None:
        raise NotAllowed(N_("You are not a member of that coalition."))
    runtime = turn.runtime
    concern = await concern_service.submit(turn.session, coalition, turn.user.id, text, runtime.concern_keys, turn.now)
    turn.reply(lambda t: views.concern_sent(t, coalition, concern))  # held in memory only, no durable row
    turn.answer(views.sent)
    turn.clear_keyboard(update)
    return ConversationHandler.END


async def concern_choice(update: Update, context: BotContext) -> int:
    """The coalition button ends the dialog whatever happens: a refused concern is not kept."""
    state = await _concern_choice(update, context)
    context.user_data.pop(_PENDING, None)
    return ConversationHandler.END if state is None else state


async def concern_timeout(update: Update, context: BotContext) -> None:
    """The dialog timed out: forget the text."""
    context.user_data.pop(_PENDING, None)


@handler
async def concern_expired(turn: Turn, update: Update, context: BotContext) -> None:
    """A coalition button pressed after its dialog ended (sent, cancelled, timed out, restarted)."""
    raise InvalidInput(_EXPIRED)


def concern_dialog(timeout: float) -> ConversationHandler:
    """/concern, asking for the text when it is missing and for the coalition when there are several."""
    with warnings.catch_warnings():
        # the one button belongs to the dialog of this chat and user: per-message tracking is not wanted
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        return dialog(
            "concern-dialog",
            CommandHandler("concern", concern, filters=NEW),
            {
                WRITING: [MessageHandler(TEXT, concern_text)],
                CHOOSE: [CallbackQueryHandler(concern_choice, pattern=callbacks.ConcernCoalition.pattern())],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, concern_timeout)],
            },
            draft_key=_PENDING,
            stopped=views.stopped,
            timeout=timeout,
        )


@handler
async def concerns(turn: Turn, update: Update, context: BotContext) -> None:
    turn.require_private()
    listing = await concern_service.facilitated(turn.session, turn.person)
    turn.reply(lambda t: "\n\n".join(views.concern_list(t, c, items) for c, items in listing))


@handler
async def raise_concern(turn: Turn, update: Update, context: BotContext) -> None:
    require_group(turn)
    if not context.args:
        raise InvalidInput(N_("Name the concern: /raise C4."))
    concern, proposal = await concern_service.raise_concern(
        turn.session, turn.coalition, turn.member, context.args[0], turn.now
    )
    meeting = await _meeting(turn, proposal.meeting_id)
    turn.reply(lambda t: views.raised(t, concern, proposal, meeting))
