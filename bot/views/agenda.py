"""Texts and keyboards about the agenda: proposals, polls, results and anonymous concerns."""

from __future__ import annotations

from datetime import UTC

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang
from bot.models import Coalition, Concern, Meeting, Proposal
from bot.services.agenda import MAX_QUESTION, Agenda, PollResult, cut
from bot.services.members import Member
from bot.views.callbacks import ConcernCoalition
from bot.views.meetings import title
from bot.views.render import country, esc, prose, syntax, user

PREVIEW = 200
"""Characters of a concern shown in the /concerns list (the facilitator got it whole)."""


def ref(t: Lang, prefix: str, number: int) -> str:
    return t.isolate(f"{prefix}{number}")


def meeting_name(t: Lang, meeting: Meeting | None) -> str:
    if meeting is None:
        return t._("the next meeting (not scheduled yet)")
    return t._("meeting {meeting}").format(meeting=title(t, meeting))


def proposed(t: Lang, proposal: Proposal, meeting: Meeting | None) -> str:
    return t._("📝 Proposal {ref} is on the list for {meeting}: {text}").format(
        ref=ref(t, "P", proposal.number), meeting=meeting_name(t, meeting), text=user(t, proposal.text)
    )


def default_question(t: Lang, meeting: Meeting | None) -> str:
    """Plain text (a poll question): which proposals should the meeting discuss."""
    if meeting is None:
        return t._("Agenda of the next meeting: which topics should we discuss?")
    return t._("Agenda of meeting {meeting}: which topics should we discuss?").format(
        meeting=t.isolate(f"M{meeting.number}")
    )


def poll_question(langs: list[Lang], meeting: Meeting | None) -> str:
    """The default question in every group language when it fits Telegram's limit, else the first."""
    joined = " / ".join(default_question(t, meeting) for t in langs)
    return joined if len(joined) <= MAX_QUESTION else default_question(langs[0], meeting)


def votes(t: Lang, n: int) -> str:
    return t.ngettext("{n} vote", "{n} votes", n).format(n=t.number(n))


def poll_result(t: Lang, result: PollResult) -> str:
    lines = [t._("🗳 <b>Poll closed:</b> {question}").format(question=user(t, result.poll.question))]
    for rank, choice in enumerate(result.choices, start=1):
        line = f"{t.number(rank)}. {user(t, choice.text)} — {votes(t, choice.votes)}"
        if choice.voters:
            names = [user(t, name) if name else esc(t._("former member")) for name in choice.voters]
            line += " (" + t.join(names) + ")"
        lines.append(line)
    voters = result.poll.voters
    lines.append(t.ngettext("{n} member voted.", "{n} members voted.", voters).format(n=t.number(voters)))
    return "\n".join(lines)


def agenda(t: Lang, items: Agenda) -> str:
    lines = [t._("<b>Agenda of {meeting}</b>").format(meeting=meeting_name(t, items.meeting))]
    if not items.ranked and not items.unpolled:
        lines.append(prose(t, t._("Nothing is on the agenda yet. Propose a topic with /propose <topic>.")))
        return "\n".join(lines)
    if items.ranked:
        lines += ["", t._("<b>Ranked by votes</b>")]
        lines += [
            f"{t.number(rank)}. {user(t, item.text)} — {votes(t, item.votes)}"
            for rank, item in enumerate(items.ranked, start=1)
        ]
    if items.unpolled:
        lines += ["", t._("<b>Proposed, not polled yet</b>")]
        for proposal, proposer in items.unpolled:
            by = (
                t._("raised anonymously")
                if proposer is None
                else t._("proposed by {name}").format(name=user(t, proposer.full_name or t._("former member")))
            )
            lines.append(f"• {ref(t, 'P', proposal.number)} · {user(t, proposal.text)} — {by}")
    return "\n".join(lines)


def ask_concern(t: Lang) -> str:
    return syntax(
        t,
        t._(
            "Write your concern in one message. "
            "The facilitators will receive it without your name. Send /cancel to stop."
        ),
    )


def concern_recipients(t: Lang, options: list[tuple[Coalition, list[Member]]]) -> str:
    """Before anything is sent: who would receive the concern, coalition by coalition."""
    lines = [t._("Your concern will be sent without your name. These facilitators will receive it:")]
    for coalition, facilitators in options:
        lines += ["", t._("<b>Country Coalition of {country}</b>").format(country=country(t, coalition.country))]
        for member in facilitators:
            record = member.membership
            name = esc(member.person.full_name or t._("former member"))
            if member.acting_organisation:
                name = f"{name} ({esc(member.acting_organisation)})"
            elif member.awaiting_organisation:
                name = t._("{name} ({organisation}, unconfirmed)").format(
                    name=name, organisation=esc(member.awaiting_organisation)
                )
            since = t.date(record.facilitator_since or record.joined_at)
            lines.append("• " + t._("{name}, facilitator since {date}").format(name=name, date=since))
    lines += ["", t._("Press the button of the coalition to send it, or /cancel to stop.")]
    return "\n".join(lines)


def send_concern_keyboard(t: Lang, coalitions: list[Coalition]) -> InlineKeyboardMarkup:
    """One button per coalition; the data is the coalition id, never the text or the sender."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("Send to {country}").format(country=t.country_name(c.country)),
                    callback_data=ConcernCoalition(c.id).pack(),
                )
            ]
            for c in coalitions
        ]
    )


def concern_sent(t: Lang, coalition: Coalition, concern: Concern) -> str:
    return t._(
        "✅ Your concern was sent as {ref} to the facilitators of the Country Coalition of {country}, without your name."
    ).format(ref=ref(t, "C", concern.number), country=country(t, coalition.country))


def concern_for_facilitator(t: Lang, coalition: Coalition, concern: Concern) -> str:
    head = t._("🔒 <b>Anonymous concern {ref}</b> for the Country Coalition of {country}").format(
        ref=ref(t, "C", concern.number), country=country(t, coalition.country)
    )
    foot = t._(
        "The bot does not record who sent it. To limit abuse it keeps, for 24 hours only, a code that the "
        "running bot alone can compute; after that nobody, not even whoever holds the bot's database, logs "
        "or configuration, can tell who sent it. To put it on the agenda without attribution, "
        "send /raise {ref} in the group."
    )
    return "\n".join([head, "", user(t, concern.text), "", syntax(t, foot).format(ref=f"C{concern.number}")])


def concern_list(t: Lang, coalition: Coalition, concerns: list[Concern]) -> str:
    lines = [
        t._("<b>Anonymous concerns of the Country Coalition of {country}</b>").format(
            country=country(t, coalition.country)
        )
    ]
    if not concerns:
        lines.append(t._("No concern has been sent."))
    for concern in concerns:
        state = (
            t._("raised on {date}").format(date=t.date(concern.raised_at)) if concern.raised_at else t._("not raised")
        )
        day = t.date(concern.created_at, tz=UTC)  # a concern keeps only its UTC day
        lines.append(f"• <b>{ref(t, 'C', concern.number)}</b> · {day} · {state}")
        lines.append(user(t, cut(concern.text, PREVIEW)))
    return "\n".join(lines)


def raised(t: Lang, concern: Concern, proposal: Proposal, meeting: Meeting | None) -> str:
    return "\n".join(
        [
            t._("📌 <b>Agenda item raised anonymously</b> ({ref})").format(ref=ref(t, "C", concern.number)),
            user(t, concern.text),
            t._("It is on the list for {meeting} as {proposal}.").format(
                meeting=meeting_name(t, meeting), proposal=ref(t, "P", proposal.number)
            ),
        ]
    )


def stopped(t: Lang) -> str:
    return t._("Stopped; nothing was sent.")


def sent(t: Lang) -> str:
    """The short answer on the button that sends a concern to a coalition."""
    return t._("Sent.")
