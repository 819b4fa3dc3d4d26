"""Texts and keyboards about action points, meeting notes, summaries, the mid-term update and
the overdue digest.

Every line opens and closes its own tags and user text is collapsed to one line, so a long
list can be split at any line boundary (`bot.outbox.split`) without breaking the HTML.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang
from bot.models import ActionPoint, Coalition, Meeting, Person
from bot.services.actions import MEMBER, ORGANISATION, Item
from bot.services.members import Member
from bot.services.summaries import Summary
from bot.views import callbacks
from bot.views.meetings import title as meeting_title
from bot.views.members import member_name, organisation_of, role_name, who
from bot.views.needs import funding_section
from bot.views.render import country, esc, labelled, prose, user

ICONS = {"open": "⚪", "progress": "⏳", "blocked": "⛔", "done": "✅"}
MAX_SNIPPET = 120
MAX_KEYBOARD_ROWS = 30  # three buttons a row: Telegram allows 100 buttons per keyboard


def ref(t: Lang, action: ActionPoint) -> str:
    return t.isolate(f"AP{action.number}")


def status_name(t: Lang, status: str) -> str:
    return {
        "open": t._("open"),
        "progress": t._("in progress"),
        "blocked": t._("blocked"),
        "done": t._("done"),
    }[status]


def day(t: Lang, value: date) -> str:
    return t.day(value)


def snippet(t: Lang, text: str) -> str:
    """User text on one line, shortened, escaped and isolated."""
    line = " ".join(text.split())
    return user(t, line if len(line) <= MAX_SNIPPET else line[: MAX_SNIPPET - 1] + "…")


def comment_awaiting(t: Lang, organisation: str, actions: list[ActionPoint]) -> str:
    """Status words about an organisation's action points from a member whose claim to act for
    it is not confirmed yet: kept as comments, and the member is told why."""
    return t._(
        "Your claim to act for {organisation} awaits a manager's confirmation: your words on {actions} are kept "
        "as a comment and the status did not change."
    ).format(organisation=user(t, organisation), actions=t.join([ref(t, a) for a in actions]))


def owner(t: Lang, action: ActionPoint, person: Person | None) -> str:
    if action.owner_kind == MEMBER:
        return who(t, Member(None, person)) if person else esc(t._("former member"))  # type: ignore[arg-type]
    if action.owner_kind == ORGANISATION:
        return user(t, action.owner_name)
    return esc(role_name(t, action.owner_name))


def _owner_icon(action: ActionPoint) -> str:
    return {MEMBER: "👤", ORGANISATION: "🏢"}.get(action.owner_kind, "🎖")


def created(t: Lang, action: ActionPoint, person: Person | None, overdue: bool) -> str:
    lines = [
        t._("📌 Action point {action} recorded: {text}").format(
            action=f"<b>{ref(t, action)}</b>", text=user(t, action.text)
        ),
        t._("Owner: {owner}").format(owner=owner(t, action, person)),
    ]
    if action.due_on:
        lines.append(t._("Due date: {date}").format(date=day(t, action.due_on)))
    if overdue:
        lines.append(t._("⚠ This due date has passed: {action} is already overdue.").format(action=ref(t, action)))
    lines.append(
        t._("Reply to this message to report progress, or write {tag} in a group message.").format(
            tag=t.ltr(f"#AP{action.number}")
        )
    )
    return "\n".join(lines)


def state(t: Lang, action: ActionPoint) -> str:
    """`⏳ in progress · 60 %`"""
    text = f"{ICONS[action.status]} {status_name(t, action.status)}"
    if action.percent is not None and action.status != "done":
        text += " · " + t.percent(action.percent / 100)
    return text


def item_lines(t: Lang, item: Item, *, with_owner: bool = False) -> list[str]:
    action = item.action
    head = f"• <b>{ref(t, action)}</b> {user(t, action.text)}"
    if with_owner:
        head += " — " + owner(t, action, item.owner)
    if action.due_on:
        head += " — " + t._("due {date}").format(date=day(t, action.due_on))
    if item.overdue:
        head += " ⚠ " + t.ngettext("overdue by {n} day", "overdue by {n} days", item.overdue_days).format(
            n=t.number(item.overdue_days)
        )
    detail = state(t, action)
    if item.last is not None and item.last.text:
        detail += " · " + t._("last update {date}: {text}").format(
            date=t.date(item.last.at), text=snippet(t, item.last.text)
        )
    elif item.last is not None:
        detail += " · " + t._("last update {date}").format(date=t.date(item.last.at))
    return [head, f"    {detail}"]


def grouped(t: Lang, items: list[Item]) -> list[str]:
    """Action points grouped by owner, owners in order of their first action point."""
    groups: dict[tuple, list[Item]] = defaultdict(list)
    for item in items:
        action = item.action
        groups[(action.owner_kind, action.owner_person_id, action.owner_name.casefold())].append(item)
    lines: list[str] = []
    for members in groups.values():
        first = members[0]
        lines += ["", f"{_owner_icon(first.action)} <b>{owner(t, first.action, first.owner)}</b>"]
        for item in members:
            lines += item_lines(t, item)
    return lines


def action_list(t: Lang, coalition: Coalition, items: list[Item], scope: list[str]) -> str:
    heading = t._("<b>Open action points of the Country Coalition of {country}</b>").format(
        country=country(t, coalition.country)
    )
    if scope:
        keyword = scope[0].lower()
        label = {"mine": t._("yours"), "overdue": t._("overdue")}.get(keyword) or user(t, " ".join(scope))
        heading += f" ({label})"
    if not items:
        return heading + "\n" + t._("No open action point.")
    overdue = sum(1 for i in items if i.overdue)
    count = t.ngettext("{n} action point", "{n} action points", len(items)).format(n=t.number(len(items)))
    if overdue:
        count += " · " + t.ngettext("{n} overdue", "{n} overdue", overdue).format(n=t.number(overdue))
    return "\n".join([heading, count, *grouped(t, items)])


def _attendance(t: Lang, summary: Summary) -> list[str]:
    present: dict[str, list[str]] = defaultdict(list)
    absent: dict[str, list[str]] = defaultdict(list)
    for member, choice in summary.attendance.answered:
        organisation = organisation_of(member) or t._("no organisation")
        name = member_name(t, member) + (" " + t._("(online)") if choice == "online" else "")
        (absent if choice == "no" else present)[organisation].append(name)
    lines = [f"• {labelled(t, org, t.join(names))}" for org, names in sorted(present.items())]
    if not lines:
        lines = [t._("No member said they would attend.")]
    if absent:
        groups = [labelled(t, org, t.join(names)) for org, names in sorted(absent.items())]
        lines.append(
            t._("Not attending: {names}").format(names=t.pgettext("between groups of a list", "; ").join(groups))
        )
    return lines


def summary(t: Lang, coalition: Coalition, result: Summary) -> str:
    meeting = result.meeting
    heading = t._("📝 Summary of meeting {meeting}").format(meeting=meeting_title(t, meeting))
    lines = [
        f"<b>{heading}</b>",
        t._("Country Coalition of {country} · {date}").format(
            country=country(t, coalition.country), date=t.date(meeting.starts_at, fmt="full")
        ),
        "",
        "<b>" + t._("Attendance") + "</b>",
        *_attendance(t, result),
        "",
        "<b>" + t._("Decisions and notes") + "</b>",
    ]
    lines += [f"• {user(t, n.text)}" for n in result.notes] or [t._("No note was recorded.")]
    lines += ["", "<b>" + t._("Action points agreed since the previous meeting") + "</b>"]
    for item in result.actions:
        lines += item_lines(t, item, with_owner=True)[:1]
    if not result.actions:
        lines.append(t._("No new action point."))
    lines += ["", *funding_section(t, result.funding)]
    return "\n".join(lines)


def midterm_request(t: Lang, coalition: Coalition, items: list[Item], midpoint: datetime) -> str:
    lines = [
        "<b>"
        + t._("🕑 Mid-term update of the Country Coalition of {country}").format(country=country(t, coalition.country))
        + "</b>",
        t._(
            "The national authority circulates the mid-term update on {date}. "
            "Please tap the current status of each of your action points: ✓ marks your last status, "
            "so if nothing changed, tap it again. You can then add a note."
        ).format(date=t.date(midpoint)),
    ]
    for item in items:
        lines += item_lines(t, item)
    return "\n".join(lines)


def status_keyboard(t: Lang, items: list[Item]) -> InlineKeyboardMarkup:
    rows = []
    for item in items[:MAX_KEYBOARD_ROWS]:
        action = item.action
        rows.append(
            [
                InlineKeyboardButton(
                    ("✓ " if action.status == status else "")
                    + f"AP{action.number} {ICONS[status]} {status_name(t, status)}",
                    callback_data=callbacks.ActionStatus(action.id, status).pack(),
                )
                for status in ("done", "progress", "blocked")
            ]
        )
    return InlineKeyboardMarkup(rows)


def status_recorded(t: Lang, action: ActionPoint) -> str:
    return t._("{action}: {status} recorded.").format(action=ref(t, action), status=status_name(t, action.status))


def ask_note(t: Lang, action: ActionPoint) -> str:
    return t._(
        "{action}: {status} recorded. Reply to this message to add a note for the mid-term update (optional)."
    ).format(action=f"<b>{ref(t, action)}</b>", status=state(t, action))


def _overview(t: Lang, items: list[Item]) -> list[str]:
    if not items:
        return ["", t._("No action point is open.")]
    return grouped(t, items)


def midterm_draft(t: Lang, coalition: Coalition, items: list[Item], last: Meeting) -> str:
    return "\n".join(
        [
            "<b>"
            + t._("📋 Draft mid-term update of the Country Coalition of {country}").format(
                country=country(t, coalition.country)
            )
            + "</b>",
            t._("Action points since meeting {meeting} of {date}.").format(
                meeting=meeting_title(t, last), date=t.date(last.starts_at)
            ),
            *_overview(t, items),
            "",
            t._("Tap the button below to post this update in the group."),
        ]
    )


def circulate_keyboard(t: Lang, reminder_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t._("Circulate to the group"), callback_data=callbacks.Midterm(reminder_id).pack())]]
    )


def midterm_post(t: Lang, coalition: Coalition, items: list[Item], last: Meeting) -> str:
    return "\n".join(
        [
            "<b>"
            + t._("📣 Mid-term update of the Country Coalition of {country}").format(
                country=country(t, coalition.country)
            )
            + "</b>",
            t._("Action points since meeting {meeting} of {date}.").format(
                meeting=meeting_title(t, last), date=t.date(last.starts_at)
            ),
            *_overview(t, items),
        ]
    )


def circulation_planned(t: Lang) -> str:
    return t._("The mid-term update is being posted in the group.")


def already_circulated(t: Lang) -> str:
    return t._("This mid-term update has already been posted in the group.")


def overdue_digest(t: Lang, coalition: Coalition, items: list[Item], whole: bool) -> str:
    heading = (
        t.ngettext(
            "⚠ {n} overdue action point in the Country Coalition of {country}",
            "⚠ {n} overdue action points in the Country Coalition of {country}",
            len(items),
        )
        if whole
        else t.ngettext(
            "⚠ You own {n} overdue action point in the Country Coalition of {country}",
            "⚠ You own {n} overdue action points in the Country Coalition of {country}",
            len(items),
        )
    ).format(n=t.number(len(items)), country=country(t, coalition.country))
    lines = [f"<b>{heading}</b>"]
    lines += [item_lines(t, item, with_owner=whole)[0] for item in items]
    # the hint shows a reference the reader actually owns or manages (an example if none)
    number = items[0].action.number if items else 3
    hint = t._("Report progress in the group: /update {action} <status> <NN%> <text>, or {tag} in a message.")
    lines += ["", prose(t, hint.format(action=t.isolate(f"AP{number}"), tag=t.isolate(f"#AP{number}")))]
    return "\n".join(lines)
