"""Step-by-step commands (/meeting, /concern, /report): one way to build their conversations.

Each asks for what its command lacked, one message at a time, keeping the answers so far in
`user_data` under its own key. `/cancel` (without arguments, so `/cancel M2` still cancels a
meeting) stops it and forgets them; after `timeout` seconds of silence it ends by itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler, filters

from bot.runtime import BotContext
from bot.views.render import Render
from handlers.turn import Turn, handler

TEXT = filters.TEXT & ~filters.COMMAND
"""An answer to a step: plain text, not a command."""


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
        states=states,
        fallbacks=[CommandHandler("cancel", stop, has_args=False)],
        conversation_timeout=timeout,
        allow_reentry=allow_reentry,
        name=name,
    )
