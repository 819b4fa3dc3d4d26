"""Telegram handlers: parse the update, call a service, render a reply.

`register` adds every handler in one place, in a deliberate order:
group 0 holds service messages first (migration, the bot joining), then commands, then
buttons; the error handler is added last and is the only one.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.views import callbacks
from handlers import coalition, members
from handlers.errors import on_error


def register(application: Application) -> None:
    add = application.add_handler
    add(MessageHandler(filters.StatusUpdate.MIGRATE, coalition.migrated))
    add(MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, coalition.bot_added))

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
    }
    for name, callback in commands.items():
        add(CommandHandler(name, callback))

    add(CallbackQueryHandler(members.join_button, pattern=callbacks.JOIN_PATTERN))
    add(CallbackQueryHandler(members.approve_button, pattern=callbacks.APPROVE_PATTERN))

    application.add_error_handler(on_error)
