"""Step-by-step commands (/meeting, /concern, /report): one way to build their conversations.

Each asks for what its command lacked, one message at a time, keeping the answers so far in
`user_data` under its own key. `/cancel` (without arguments, so `/cancel M2` still cancels a
meeting) stops it and forgets them; after `timeout` seconds of silence it ends by itself.
Only new messages take a step: an edited answer is never applied (SPEC §3 "Edits"), and the
ids of the messages that answered a step are kept so the edit handler can say so.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.runtime import BotContext
from bot.views.render import Render
from handlers.turn import Turn, handler

NEW = filters.UpdateType.MESSAGE
"""Commands and steps run for new messages only, never for edits."""
TEXT = NEW & filters.TEXT & ~filters.COMMAND
"""An answer to a step: plain text, not a command."""
_ANSWERS = "dialog_answers"
_KEPT_ANSWERS = 32


def _recorded(step: BaseHandler) -> BaseHandler:
    """A message step with its callback noting the answering message (chat, message id)."""
    if not isinstance(step, MessageHandler):
        return step
    callback = step.callback

    async def noted(update: Update, context: BotContext):
        message = update.effective_message
        if message is not None and context.user_data is not None:
            answers = context.user_data.setdefault(_ANSWERS, deque(maxlen=_KEPT_ANSWERS))
            answers.append((message.chat_id, message.message_id))
        return await callback(update, context)

    step.callback = noted
    return step


async def was_answer(turn: Turn, context: BotContext, message_id: int) -> bool:
    """Whether this chat's message answered a step of one of the sender's dialogs."""
    return (turn.chat.id, message_id) in (context.user_data or {}).get(_ANSWERS, ())


def dialog(
    name: str,
    start: BaseHandler,
    states: dict[object, Sequence[BaseHandler]],
    *,
    draft_key: str,
    stopped: Render,
    timeout: float,
    allow_reentry: bool = True,
) -> ConversationHandler:
    """The conversation of a step-by-step command, with its `/cancel` and its timeout."""

    @handler
    async def stop(turn: Turn, update: Update, context: BotContext) -> int:
        context.user_data.pop(draft_key, None)
        turn.reply(stopped)
        return ConversationHandler.END

    return ConversationHandler(
        entry_points=[start],
        states={state: [_recorded(step) for step in steps] for state, steps in states.items()},
        fallbacks=[CommandHandler("cancel", stop, filters=NEW, has_args=False)],
        conversation_timeout=timeout,
        allow_reentry=allow_reentry,
        name=name,
    )
