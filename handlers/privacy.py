"""`/forgetme` in a private chat, confirmed with a button (SPEC §3)."""

from __future__ import annotations

from telegram import Update

from bot.runtime import BotContext
from bot.services.privacy import forget
from bot.views import callbacks
from bot.views import privacy as views
from handlers.buttons import pressed
from handlers.turn import Turn, handler


@handler
async def forgetme(turn: Turn, update: Update, context: BotContext) -> None:
    turn.require_private()
    turn.reply(views.confirm, views.confirm_keyboard)


@handler
async def forgetme_button(turn: Turn, update: Update, context: BotContext) -> None:
    if not pressed(update, callbacks.Forget).confirmed:
        turn.answer(views.kept)
        turn.reply(views.kept)
        return
    turn.freeze()  # answer in the language the person chose, which is about to be erased
    if turn.person.id is not None:  # someone the bot never stored has nothing to erase
        await forget(turn.session, turn.person)
    context.application.drop_user_data(update.effective_user.id)
    turn.answer(views.erased)
    turn.reply(views.erased)
