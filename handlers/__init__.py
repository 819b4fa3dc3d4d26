"""Telegram handlers: parse the update, call a service, render a reply.

`register` adds every handler in one place, in a deliberate order, after the one that
removes invisible direction controls from incoming text (`incoming`, group -1):
1. service messages (group → supergroup migration, members arriving, among them the bot, and
   leaving) and member changes (`chat_member`, the bot's own `my_chat_member`);
2. the steps of the stored dialogs (/meeting, /report) in a group of their own that runs
   first, then the in-memory /concern dialog, before plain commands, so their steps and
   /concern's bare /cancel win while someone is in the middle of one;
3. commands, for new messages only (SPEC §3 "Edits"), then the one handler of edited
   messages, which never executes them;
   then a short hint for any other command in a private chat (groups: silence);
4. buttons, each with its own callback-data pattern, then a catch-all that refuses
   anything else (forged or stale data); Telegram's poll updates;
5. progress written in chat (`#AP3` tags, replies to an action point's message), last, so
   any dialog step or command wins, and with narrow filters, so other text passes by;
6. a private answer to a question of the bot that no dialog took: told so in one line;
and the single error handler last.
"""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)

from bot.views import callbacks
from handlers import (
    actions,
    agenda,
    coalition,
    dashboard,
    dialogs,
    edits,
    incoming,
    leaving,
    meetings,
    members,
    needs,
    privacy,
    progress,
    treaty,
)
from handlers.dialogs import NEW
from handlers.errors import on_error

COMPLETIONS = {agenda.POLL_POSTED: agenda.poll_posted}
"""What records a durable request's answer, by the name its row carries (the composition root
hands them to the durable outbox with the announcements')."""
DIALOG_TIMEOUT = 900
"""The in-memory /concern dialog ends after 15 minutes of silence, as stored dialogs expire."""
DIALOG_COMMANDS = frozenset({"concern"})
"""Commands registered by their dialog rather than in `commands`."""


def register(application: Application) -> None:
    incoming.register(application)
    add = application.add_handler
    add(MessageHandler(filters.StatusUpdate.MIGRATE, coalition.migrated))
    add(MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, coalition.bot_added))
    add(MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, leaving.member_left))
    add(ChatMemberHandler(leaving.member_changed, ChatMemberHandler.CHAT_MEMBER))
    add(ChatMemberHandler(leaving.bot_changed, ChatMemberHandler.MY_CHAT_MEMBER))

    stored_dialogs = {
        meetings.DIALOG: meetings.meeting_step,
        progress.DIALOG: progress.report_step,
        actions.NOTE_DIALOG: actions.note_step,
    }
    add(dialogs.steps(stored_dialogs), dialogs.STEP_GROUP)
    add(agenda.concern_dialog(DIALOG_TIMEOUT))

    commands = {
        "start": members.start,
        "help": members.help_command,
        "forgetme": privacy.forgetme,
        "setup": coalition.setup,
        "settings": coalition.settings,
        "language": coalition.language,
        "timezone": coalition.timezone,
        "join": members.join,
        "approve": members.approve,
        "role": members.role,
        "members": members.members,
        "meeting": meetings.meeting,
        "meetings": meetings.meetings,
        "rsvps": meetings.rsvps,
        "reschedule": meetings.reschedule,
        "cancel": meetings.cancel,
        "ics": meetings.ics,
        "propose": agenda.propose,
        "poll": agenda.poll,
        "closepoll": agenda.closepoll,
        "agenda": agenda.agenda,
        "concerns": agenda.concerns,
        "raise": agenda.raise_concern,
        "action": actions.action,
        "update": actions.update_command,
        "done": actions.done,
        "reopen": actions.reopen,
        "actions": actions.actions,
        "note": actions.note,
        "summary": actions.summary,
        "deadline": progress.deadline,
        "deadlines": progress.deadlines,
        "report": progress.report,
        "progress": progress.progress,
        "export": progress.export,
        "closecoalition": leaving.closecoalition,
        "need": needs.need,
        "pledge": needs.pledge,
        "needs": needs.needs,
        "article7": treaty.article7,
        "extension": treaty.extension,
        "dashboard": dashboard.dashboard,
        "network": dashboard.network,
    }
    for name, callback in commands.items():
        add(CommandHandler(name, callback, filters=NEW))
    names = frozenset(commands) | DIALOG_COMMANDS
    add(MessageHandler(filters.UpdateType.EDITED_MESSAGE, edits.edited_handler(names)))
    add(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE & NEW, members.unknown_command))

    add(CallbackQueryHandler(members.join_button, pattern=callbacks.Join.pattern()))
    add(CallbackQueryHandler(members.approve_button, pattern=callbacks.Approve.pattern()))
    add(CallbackQueryHandler(members.revoke_button, pattern=callbacks.Revoke.pattern()))
    add(CallbackQueryHandler(meetings.rsvp_button, pattern=callbacks.Rsvp.pattern()))
    add(CallbackQueryHandler(agenda.concern_expired, pattern=callbacks.ConcernCoalition.pattern()))
    add(CallbackQueryHandler(progress.report_button, pattern=callbacks.Report.pattern()))
    add(CallbackQueryHandler(progress.export_button, pattern=callbacks.Export.pattern()))
    add(CallbackQueryHandler(treaty.article7_button, pattern=callbacks.Article7.pattern()))
    add(CallbackQueryHandler(actions.status_button, pattern=callbacks.ActionStatus.pattern()))
    add(CallbackQueryHandler(actions.circulate_button, pattern=callbacks.Midterm.pattern()))
    add(CallbackQueryHandler(privacy.forgetme_button, pattern=callbacks.Forget.pattern()))
    add(CallbackQueryHandler(leaving.close_button, pattern=callbacks.CloseCoalition.pattern()))
    add(CallbackQueryHandler(members.stale_button))
    add(PollHandler(agenda.poll_state))
    add(PollAnswerHandler(agenda.poll_answer))

    add(MessageHandler(actions.CHAT_PROGRESS, actions.chat_progress))
    add(dialogs.LOST)

    application.add_error_handler(on_error)
