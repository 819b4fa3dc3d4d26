"""Step-by-step commands: /meeting and /report keep their state in the database, /concern in
memory only (SPEC §3 "Dialog state", §8).

/meeting and /report ask for what the command lacked, one message at a time. Their state is
a `DialogState` row read and written in each step's own transaction (`bot.services.
dialog_state`), so a step survives a restart and any instance can take it; it expires 15
minutes after the last step. `steps` registers them: one text handler, in a handler group of
its own before every other, looks the sender's dialog up and, when there is one, runs its
step and stops there; otherwise the text goes on to the other handlers (`#AP` messages, the
concern dialog). A bare `/cancel` ends them (`meetings.cancel`).

/concern is a `ConversationHandler` in process memory (`dialog`): the text of an anonymous
concern never enters the database. Only new messages take a step; an edited answer is never
applied (SPEC §3 "Edits"), and the ids of the messages that answered a step are kept so the
edit handler can say so: in the row for a group, in process memory for a private chat (no
row lists a private chat's messages, SPEC §8).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from telegram import Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import N_
from bot.models import DialogState
from bot.runtime import BotContext
from bot.services import dialog_state
from bot.services.errors import InvalidInput
from bot.views.common import step_lost
from bot.views.render import Render
from handlers.turn import Turn, handler

NEW = filters.UpdateType.MESSAGE
"""Commands and steps run for new messages only, never for edits."""
TEXT = NEW & filters.TEXT & ~filters.COMMAND
"""An answer to a step: plain text, not a command."""
STEP_GROUP = -1
"""The handler group of the stored dialogs' steps: before every other handler."""

Step = Callable[[Turn, Update, BotContext, DialogState], Awaitable[None]]
"""One stored dialog's next step: given the row, it saves the next step or finishes it."""


async def start(turn: Turn, name: str, step: str, data: dict | None = None) -> None:
    """Begin (or restart) a stored dialog of the sender in this chat."""
    await dialog_state.save(turn.session, turn.chat.id, turn.user.id, name, step, data or {}, turn.now)


def _answer_id(turn: Turn, update: Update) -> int | None:
    """The answering message's id for the row; a private chat's stays in memory (SPEC §8)."""
    message_id = update.effective_message.message_id
    if turn.private:
        turn.runtime.edits.note_answer(turn.chat.id, message_id)
        return None
    return message_id


async def advance(turn: Turn, update: Update, row: DialogState, step: str, data: dict) -> None:
    """Record this step's answer and wait for the next one."""
    answer = _answer_id(turn, update)
    await dialog_state.save(turn.session, row.chat_id, row.tg_user_id, row.name, step, data, turn.now, answer)


async def finish(turn: Turn, update: Update, row: DialogState) -> None:
    await dialog_state.finish(turn.session, row, turn.now, _answer_id(turn, update))


def steps(dialogs: Mapping[str, Step]) -> MessageHandler:
    """The one text handler of every stored dialog (register it in `STEP_GROUP`)."""

    @handler
    async def take_step(turn: Turn, update: Update, context: BotContext) -> None:
        row = await dialog_state.waiting(turn.session, turn.chat.id, turn.user.id, dialogs, turn.now)
        if row is None:  # expired between the look-up and now
            raise InvalidInput(N_("This conversation has expired. Send the command again."))
        await dialogs[row.name](turn, update, context, row)

    async def look_up(update: Update, context: BotContext) -> None:
        user, runtime = update.effective_user, context.runtime
        if user is None:
            return
        async with runtime.db.transaction() as session:
            row = await dialog_state.waiting(session, update.effective_chat.id, user.id, dialogs, runtime.clock.now())
        if row is None:
            return  # not an answer to a stored dialog: the other handlers decide
        await take_step(update, context)
        raise ApplicationHandlerStop

    return MessageHandler(TEXT & _AnswersTheBot(), look_up)


class _AnswersTheBot(filters.MessageFilter):
    """Where a step's answer can be: any text in a private chat; in a group only a reply to the
    bot, since every step there is asked with a selective `ForceReply` (and with privacy mode
    on the bot sees nothing else). Other group messages (`#AP` tags above all) then cost no
    look-up of their own."""

    def filter(self, message: Message) -> bool:
        if message.chat.type == message.chat.PRIVATE:
            return True
        replied = message.reply_to_message
        return replied is not None and replied.from_user is not None and replied.from_user.id == message.get_bot().id


@handler
async def _lost(turn: Turn, update: Update, context: BotContext) -> None:
    turn.reply(step_lost)


LOST: MessageHandler = MessageHandler(TEXT & filters.ChatType.PRIVATE & filters.REPLY, _lost)
"""Last of all: a private answer to one of the bot's questions that no dialog took (it
expired, or it was the in-memory /concern dialog of a process that restarted or of another
instance) gets one line saying so, instead of silence."""


async def stop(turn: Turn) -> list[str]:
    """A bare `/cancel`: the names of the stored dialogs it ended here."""
    if turn.user is None:
        return []
    return await dialog_state.stop(turn.session, turn.chat.id, turn.user.id, turn.now)


def _recorded(step: BaseHandler) -> BaseHandler:
    """A message step with its callback noting the answering message (chat, message id)."""
    if not isinstance(step, MessageHandler):
        return step
    callback = step.callback

    async def noted(update: Update, context: BotContext) -> object:
        message = update.effective_message
        if message is not None:
            context.runtime.edits.note_answer(message.chat_id, message.message_id)
        return await callback(update, context)

    step.callback = noted
    return step


async def was_answer(turn: Turn, context: BotContext, message_id: int) -> bool:
    """Whether this chat's message answered a step of one of the sender's dialogs."""
    if turn.runtime.edits.was_answer(turn.chat.id, message_id):
        return True
    return await dialog_state.was_answer(turn.session, turn.chat.id, turn.user.id, message_id, turn.now)


def dialog(
    name: str,
    entry: BaseHandler,
    states: dict[object, Sequence[BaseHandler]],
    *,
    draft_key: str,
    stopped: Render,
    timeout: float,
    allow_reentry: bool = True,
) -> ConversationHandler:
    """An in-memory conversation (the /concern dialog), with its `/cancel` and its timeout."""

    @handler
    async def stop_it(turn: Turn, update: Update, context: BotContext) -> int:
        context.user_data.pop(draft_key, None)
        turn.reply(stopped)
        return ConversationHandler.END

    return ConversationHandler(
        entry_points=[entry],
        states={state: [_recorded(h) for h in handlers] for state, handlers in states.items()},
        fallbacks=[CommandHandler("cancel", stop_it, filters=NEW, has_args=False)],
        conversation_timeout=timeout,
        allow_reentry=allow_reentry,
        name=name,
    )
