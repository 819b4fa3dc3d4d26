"""Telegram handlers: parse the update, call a service, render a reply.

`register` adds every handler in one place, in a deliberate order:
1. service messages (group → supergroup migration, the bot joining a group);
2. the /meeting dialog, before plain commands, so its steps and its bare /cancel win
   while a manager is in the middle of it;
3. commands;
4. buttons, each with its own callback-data pattern, then a catch-all that refuses
   anything else (forged or stale data);
and the single error handler last.
"""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.views import callbacks
from handlers import coalition, meetings, members
from handlers.errors import on_error

DIALOG_TIMEOUT = 600


def register(application: Application) -> None:
    add = application.add_handler
    add(MessageHandler(filters.StatusUpdate.MIGRATE, coalition.migrated))
    add(MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, coalition.bot_added))

    text = filters.TEXT & ~filters.COMMAND
    add(
        ConversationHandler(
            entry_points=[CommandHandler("meeting", meetings.meeting)],
            states={
                meetings.WHEN: [MessageHandler(text, meetings.dialog_when)],
                meetings.TITLE: [MessageHandler(text, meetings.dialog_title)],
                meetings.LOCATION: [MessageHandler(text, meetings.dialog_location)],
            },
            fallbacks=[CommandHandler("cancel", meetings.dialog_stop, has_args=False)],
            conversation_timeout=DIALOG_TIMEOUT,
            name="meeting-dialog",
        )
    )

    commands = {
        "start": members.start,
        "help": members.help_command,
        "setup": coalition.setup,
        "settings": coalition.settings,
        "language": coalition.language,
        "timezone": coalition.timezone,
        "join": members.join,
        "approve": members.approve,
        "role": members.role,
        "members": members.members,
        "meetings": meetings.meetings,
        "rsvps": meetings.rsvps,
        "reschedule": meetings.reschedule,
        "cancel": meetings.cancel,
        "ics": meetings.ics,
    }
    for name, callback in commands.items():
        add(CommandHandler(name, callback))

    add(CallbackQueryHandler(members.join_button, pattern=callbacks.JOIN_PATTERN))
    add(CallbackQueryHandler(members.approve_button, pattern=callbacks.APPROVE_PATTERN))
    add(CallbackQueryHandler(meetings.rsvp_button, pattern=callbacks.RSVP_PATTERN))
    add(CallbackQueryHandler(members.stale_button))

    application.add_error_handler(on_error)
