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
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(text)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # the apology itself failed (network, blocked): logging is all we can do
        log.exception("could not apologise for update %s", update.update_id)
