"""Edited messages (SPEC §3 "Edits"): never executed, answered once when it matters.

Every command and dialog step is registered for new messages only; edits reach this handler
alone. It answers, as a reply and in the editor's own language, when the edited text starts
with one of this bot's commands or the original was an answer to a dialog step; edits of
plain messages pass silently.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.runtime import BotContext
from bot.services import edits
from bot.views.common import edit_not_applied
from handlers import dialogs
from handlers.turn import Turn, handler


def edited_handler(commands: frozenset[str]) -> Callable[[Update, BotContext], Awaitable[None]]:
    """The callback for `edited_message` updates, knowing the bot's command names."""

    @handler
    async def edited(turn: Turn, update: Update, context: BotContext) -> None:
        message = update.edited_message
        if message is None or turn.user is None:
            return
        text = message.text or message.caption or ""
        if not (
            edits.command_for(text, context.bot.username, commands)
            or await dialogs.was_answer(turn, context, message.message_id)
        ):
            return
        if turn.private:
            if not turn.runtime.edits.first(turn.chat.id, message.message_id):
                return
        elif not await edits.first_group_notice(turn.session, turn.chat.id, message.message_id, turn.user.id, turn.now):
            return
        reader = turn.lang()  # the editor's language, also in a group
        turn.reply(lambda _t: edit_not_applied(reader), quote=True)

    return edited
