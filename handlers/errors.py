"""The one error handler: log with the update id, apologise briefly, keep running.

A database that does not answer is an outage, not a bug: one WARNING line without a
traceback, and the reader is told the bot is temporarily unavailable (SPEC §2). Scheduled
work needs nothing more: the dispatcher's next tick finds its reminders again.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.i18n import negotiate
from bot.lifecycle import database_outage, one_line
from bot.outbox.envelope import Job, Lane
from bot.runtime import BotContext
from bot.views.common import apology, unavailable

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    outage = context.error is not None and database_outage(context.error)
    if not isinstance(update, Update):
        if outage:
            log.warning(
                "the database does not answer (%s); scheduled work resumes when it does", one_line(context.error)
            )
        else:
            log.error("error outside an update", exc_info=context.error)
        return
    if outage:
        log.warning("the database does not answer (%s) for update %s", one_line(context.error), update.update_id)
    else:
        log.error("error while handling update %s", update.update_id, exc_info=context.error)
    user = update.effective_user
    lang = context.runtime.catalogs.lang(negotiate(user.language_code) if user else None)
    text = unavailable(lang) if outage else apology(lang)
    sender = context.runtime.sender
    if update.callback_query is not None:
        sender.answer_callback(context.bot, update.callback_query.id, text)
    elif update.effective_chat is not None:
        chat_id = update.effective_chat.id
        sender.submit(Job(chat_id, Lane.REPLY, texts=[text], deadline=sender.reply_deadline()))
