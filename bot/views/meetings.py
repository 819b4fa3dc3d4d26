"""Texts and keyboards about meetings: announcement, lists, RSVPs, reminders, prompts."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang
from bot.models import Coalition, Meeting
from bot.services.errors import InvalidInput
from bot.services.meetings import Attendance
from bot.services.members import Member
from bot.services.parsing import parse_offset
from bot.views import callbacks
from bot.views.members import member_name, organisation_of
from bot.views.render import country, esc, labelled, prose, syntax, user


def ref(t: Lang, meeting: Meeting) -> str:
    return t.isolate(f"M{meeting.number}")


def when(t: Lang, moment: datetime, coalition_tz: str, own_tz: str | None = None) -> str:
    """The time in the coalition's zone, plus the reader's own when its UTC offset differs."""
    home = ZoneInfo(coalition_tz)
    text = t.appointment(moment, home)
    if own_tz and own_tz != coalition_tz:
        own = ZoneInfo(own_tz)
        if moment.astimezone(own).utcoffset() != moment.astimezone(home).utcoffset():
            text += " " + t._("({time} your time)").format(time=t.datetime(moment, own, "short"))
    return text


RSVP_ICONS = {"yes": "✅", "online": "💻", "no": "❌"}


def answer_name(t: Lang, choice: str) -> str:
    """The answer as the member gives it, in the first person (a button, a confirmation)."""
    return {
        "yes": t.pgettext("RSVP button", "Attending"),
        "online": t.pgettext("RSVP button", "Attending online"),
        "no": t.pgettext("RSVP button", "Not attending"),
    }[choice]


def answer_count_name(t: Lang, choice: str) -> str:
    """The answer as others report it, in the third person (counts and headings: سيحضرون)."""
    return {
        "yes": t.pgettext("RSVP count", "Attending"),
        "online": t.pgettext("RSVP count", "Attending online"),
        "no": t.pgettext("RSVP count", "Not attending"),
    }[choice]


def title(t: Lang, meeting: Meeting) -> str:
    name = user(t, meeting.title) if meeting.title else t._("Coalition meeting")
    return f"{t.mark}{ref(t, meeting)} · {name}"


def calendar_summary(t: Lang, coalition: Coalition, meeting: Meeting) -> str:
    """Plain text (no markup, no isolation marks) for calendar programs."""
    name = meeting.title or t._("Coalition meeting")
    return f"M{meeting.number} · {name} — {t.country_name(coalition.country)}"


def details(t: Lang, coalition: Coalition, meeting: Meeting, own_tz: str | None = None) -> list[str]:
    lines = [t._("When: {time}").format(time=when(t, meeting.starts_at, coalition.timezone, own_tz))]
    if meeting.location:
        lines.append(t._("Where: {place}").format(place=user(t, meeting.location)))
    return lines


def tally(t: Lang, counts: Counter[str]) -> str:
    return " · ".join(
        t._("{answer}: {count}").format(answer=answer_count_name(t, c), count=t.number(counts.get(c, 0)))
        for c in ("yes", "online", "no")
    )


def announcement(t: Lang, coalition: Coalition, meeting: Meeting, counts: Counter[str]) -> str:
    head = f"📅 <b>{title(t, meeting)}</b>"
    if meeting.cancelled:
        label = t._("cancelled")
        head = f"❌ <s>{title(t, meeting)}</s> — <b>{label}</b>"
    return "\n".join([head, *details(t, coalition, meeting), "", tally(t, counts)])


def rsvp_keyboard(t: Lang, meeting: Meeting) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.button(partial(answer_name, choice=c), RSVP_ICONS[c]),
                    callback_data=callbacks.Rsvp(meeting.id, c).pack(),
                )
                for c in ("yes", "online", "no")
            ]
        ]
    )


def rsvp_recorded(t: Lang, meeting: Meeting, choice: str) -> str:
    return t._("{meeting}: your answer is recorded: {answer}.").format(
        meeting=ref(t, meeting), answer=answer_name(t, choice)
    )


def meeting_list(
    t: Lang, coalition: Coalition, items: list[tuple[Meeting, Counter[str]]], own_tz: str | None = None
) -> str:
    lines = [
        t._("<b>Upcoming meetings of the Country Coalition of {country}</b>").format(
            country=country(t, coalition.country)
        )
    ]
    if not items:
        lines.append(t._("No meeting is scheduled."))
    for meeting, counts in items:
        lines += ["", f"<b>{title(t, meeting)}</b>", *details(t, coalition, meeting, own_tz), tally(t, counts)]
    return "\n".join(lines)


def rsvp_report(t: Lang, meeting: Meeting, attendance: Attendance) -> str:
    by_answer: dict[str, dict[str, list[Member]]] = defaultdict(lambda: defaultdict(list))
    for member, choice in attendance.answered:
        by_answer[choice][organisation_of(member)].append(member)
    lines = [f"<b>{title(t, meeting)}</b>"]
    for choice in ("yes", "online", "no"):
        group = by_answer.get(choice, {})
        count = sum(len(v) for v in group.values())
        lines += ["", _heading(t, answer_count_name(t, choice), count), *_by_organisation(t, group)]
    silent: dict[str, list[Member]] = defaultdict(list)
    for member in attendance.silent:
        silent[organisation_of(member)].append(member)
    lines += ["", _heading(t, t._("No answer yet"), len(attendance.silent)), *_by_organisation(t, silent)]
    return "\n".join(lines)


def _heading(t: Lang, name: str, count: int) -> str:
    return f"<b>{name}</b> ({t.number(count)})"


def _by_organisation(t: Lang, group: dict[str, list[Member]]) -> list[str]:
    return [
        "• " + labelled(t, org, t.join([member_name(t, m) for m in members])) for org, members in sorted(group.items())
    ]


def rescheduled(t: Lang, coalition: Coalition, meeting: Meeting, own_tz: str | None = None) -> str:
    return "\n".join(
        [
            t._("🔁 Meeting {meeting} has been moved.").format(meeting=ref(t, meeting)),
            *details(t, coalition, meeting, own_tz),
        ]
    )


def cancelled(t: Lang, meeting: Meeting) -> str:
    return t._("❌ Meeting {meeting} ({title}) has been cancelled.").format(
        meeting=ref(t, meeting), title=user(t, meeting.title) if meeting.title else t._("Coalition meeting")
    )


def mention(t: Lang, member: Member) -> str:
    person = member.person
    name = user(t, person.full_name or person.username or "?")
    return f'<a href="tg://user?id={person.tg_user_id}">{name}</a>'


def reminder_group(
    t: Lang, coalition: Coalition, meeting: Meeting, counts: Counter[str], unreached: list[Member]
) -> str:
    lines = [
        t._("⏰ Reminder: meeting {meeting}").format(meeting=f"<b>{title(t, meeting)}</b>"),
        *details(t, coalition, meeting),
        tally(t, counts),
    ]
    if unreached:
        lines.append(t._("Not answered yet: {names}").format(names=t.join([mention(t, m) for m in unreached])))
    return "\n".join(lines)


def reminder_private(t: Lang, coalition: Coalition, meeting: Meeting, own_tz: str | None) -> str:
    return "\n".join(
        [
            t._(
                "⏰ Reminder from the Country Coalition of {country}: you have not answered for meeting {meeting}."
            ).format(country=country(t, coalition.country), meeting=f"<b>{title(t, meeting)}</b>"),
            *details(t, coalition, meeting, own_tz),
        ]
    )


def post_meeting_prompt(t: Lang, coalition: Coalition, meeting: Meeting) -> str:
    return t._(
        "Meeting {meeting} of the Country Coalition of {country} took place yesterday. "
        "Please record the decisions and send the summary to all participants."
    ).format(meeting=f"<b>{title(t, meeting)}</b>", country=country(t, coalition.country))


def cadence_nudge(t: Lang, coalition: Coalition, last: datetime | None, months: int) -> str:
    since = (
        t._("The last meeting was on {date}.").format(date=t.date(last))
        if last
        else t._("No meeting has been held yet.")
    )
    return (
        t.ngettext(
            "📆 The Country Coalition of {country} meets every {n} month: it is time to schedule the next meeting.",
            "📆 The Country Coalition of {country} meets every {n} months: it is time to schedule the next meeting.",
            months,
        ).format(country=country(t, coalition.country), n=t.number(months))
        + "\n"
        + since
        + "\n"
        + prose(t, t._("Schedule it in the group with /meeting YYYY-MM-DD HH:MM <title> @ <place>."))
    )


def late_notice(t: Lang, meeting: Meeting | None, label: str, dropped: bool) -> str:
    """`label` is the reminder's offset as stored (`14d`): shown in words ("14 days before")."""
    try:
        when = t.duration(parse_offset(label))
    except InvalidInput:
        when = t.isolate(esc(label))
    what = t._("{meeting} ({duration} before)").format(meeting=ref(t, meeting), duration=when) if meeting else when
    if dropped:
        return t._(
            "A reminder for {what} was not sent: it fell due while the bot was offline and the meeting has already started."
        ).format(what=what)
    return t._("A reminder for {what} was sent late: it fell due while the bot was offline.").format(what=what)


def ask_when(t: Lang) -> str:
    return syntax(
        t, t._("When is the meeting? Send the date and time as YYYY-MM-DD HH:MM (coalition time), or /cancel to stop.")
    )


def ask_title(t: Lang) -> str:
    return t._("What is the meeting's title? Send - for none.")


def ask_location(t: Lang) -> str:
    return t._("Where will it take place? Send - for none.")


def stopped(t: Lang) -> str:
    return t._("Stopped; nothing was scheduled.")
