"""The one table of commands: it drives `/help` and the menus registered with `setMyCommands`."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand

from bot.i18n import N_, Lang
from bot.views.render import prose, syntax


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # untranslated, marked with N_
    group: bool = True  # offered in the coalition's group
    private: bool = False  # offered in a private chat
    managers_only: bool = False
    admins_only: bool = False  # Telegram group administrators


COMMANDS: tuple[Command, ...] = (
    Command("start", N_("let me send you private reminders"), group=False, private=True),
    Command("help", N_("what you can do here"), private=True),
    Command("join", N_("join the coalition: /join [role] [organisation]")),
    Command("members", N_("members by role and organisation")),
    Command("language", N_("choose the language: /language en|fr|ar"), private=True),
    Command("timezone", N_("your own timezone: /timezone Europe/Paris"), group=False, private=True),
    Command("forgetme", N_("erase your personal data everywhere"), group=False, private=True),
    Command("setup", N_("register this group: /setup <Country> [timezone] [language]"), admins_only=True),
    Command("settings", N_("show or change settings: /settings <name> <value>"), managers_only=True),
    Command("role", N_("set a member's role: /role @user <role> [organisation]"), managers_only=True),
    Command("approve", N_("approve a pending role: /approve @user"), managers_only=True),
    Command("meetings", N_("upcoming meetings and answers"), private=True),
    Command("rsvps", N_("who answered for a meeting: /rsvps M2")),
    Command("ics", N_("calendar file of a meeting: /ics M2")),
    Command("meeting", N_("schedule a meeting: /meeting YYYY-MM-DD HH:MM <title> @ <place>"), managers_only=True),
    Command("reschedule", N_("move a meeting: /reschedule M2 YYYY-MM-DD HH:MM"), managers_only=True),
    Command("cancel", N_("cancel a meeting: /cancel M2"), managers_only=True),
    Command("propose", N_("propose an agenda item: /propose <topic>")),
    Command("agenda", N_("the agenda ranked by votes: /agenda [M2]")),
    Command(
        "poll",
        N_("agenda poll: /poll [open] question | option 1 | option 2, or /poll alone for the proposals"),
        managers_only=True,
    ),
    Command("closepoll", N_("close the latest poll and post the result"), managers_only=True),
    Command("concern", N_("send a concern to the facilitators without your name"), group=False, private=True),
    Command(
        "concerns", N_("anonymous concerns received (facilitators)"), group=False, private=True, managers_only=True
    ),
    Command("raise", N_("put an anonymous concern on the agenda: /raise C4 (facilitators)"), managers_only=True),
    Command("actions", N_("open action points: /actions [mine|overdue|@owner|organisation]"), private=True),
    Command("update", N_("report progress: /update AP3 [status] [NN%] <text>, or write #AP3 in a message")),
    Command("done", N_("close an action point: /done AP3 [note]")),
    Command("reopen", N_("reopen an action point: /reopen AP3")),
    Command("action", N_("create an action point: /action <owner> [YYYY-MM-DD] <text>"), managers_only=True),
    Command("note", N_("record a decision for the meeting summary: /note <text>"), managers_only=True),
    Command("summary", N_("post and send the meeting summary: /summary [M2]"), managers_only=True),
    Command(
        "report",
        N_("file monthly figures (operators): /report period=YYYY-MM cleared=…, or step by step"),
        private=True,
    ),
    Command("progress", N_("land release against the baseline and the Article 4 deadline, with a chart"), private=True),
    Command("deadlines", N_("treaty deadlines and how long is left"), private=True),
    Command("deadline", N_("set a treaty deadline: /deadline article3|article4|msp YYYY-MM-DD"), managers_only=True),
    Command("needs", N_("needs, pledges and the funding gap"), private=True),
    Command("pledge", N_("pledge for your organisation: /pledge N3 <amount CUR>, or /pledge PL4 committed")),
    Command(
        "need",
        N_("register a need: /need <title> [amount CUR] [by YYYY-MM] [priority high], or /need N3 close"),
        managers_only=True,
    ),
    Command("export", N_("CSV files of the coalition's records"), group=False, private=True, managers_only=True),
    Command(
        "closecoalition",
        N_("close the coalition: its records now, its data erased 30 days later unless cancelled"),
        private=True,
        managers_only=True,
    ),
    Command(
        "article7",
        N_("Article 7 report figures of a year as a workbook: /article7 YYYY [submitted]"),
        group=False,
        private=True,
        managers_only=True,
    ),
    Command("extension", N_("figures of an Article 4 extension request"), private=True, managers_only=True),
    Command("dashboard", N_("the coalition dashboard: meetings, action points, deadlines and progress"), private=True),
    Command("network", N_("the view across coalitions (the Convention's network viewers)"), group=False, private=True),
)


def visible(private: bool, manager: bool, admin: bool) -> list[Command]:
    """The commands a reader may use in this kind of chat with these rights."""
    return [
        c
        for c in COMMANDS
        if (c.private if private else c.group)
        and (not c.managers_only or manager or admin)
        and (not c.admins_only or admin)
    ]


def menu(t: Lang, private: bool) -> list[BotCommand]:
    """The menu for a chat type: every command a member could use there."""
    return [BotCommand(c.name, t._(c.description)) for c in visible(private, manager=True, admin=True)]


def help_text(t: Lang, private: bool, manager: bool, admin: bool, member: bool) -> str:
    lines = [t._("<b>What you can do here</b>")]
    lines += [f"{t.ltr('/' + c.name)} — {prose(t, t._(c.description))}" for c in visible(private, manager, admin)]
    if not private and not member:
        lines.append("")
        lines.append(syntax(t, t._("You are not a member yet: send /join to take part.")))
    return "\n".join(lines)


def unknown_command(t: Lang) -> str:
    return prose(t, t._("I do not know this command. /help lists what you can do here."))
