"""The one error handler: log with the update id, apologise briefly, keep running."""

from __future__ import annotations

import logging

from telegram import Update

from bot.i18n import negotiate
from bot.outbox.envelope import Job, Lane
from bot.runtime import BotContext
from bot.views.common import apology

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=context.error)
        return
    log.error("error while handling update %s", update.update_id, exc_info=context.error)
    user = update.effective_user
    lang = context.runtime.catalogs.lang(negotiate(user.language_code) if user else None)
    sender = context.runtime.sender
    if update.callback_query is not None:
        sender.answer_callback(context.bot, update.callback_query.id, apology(lang))
    elif update.effective_chat is not None:
        chat_id = update.effective_chat.id
        sender.submit(Job(chat_id, Lane.REPLY, texts=[apology(lang)], deadline=sender.reply_deadline()))
