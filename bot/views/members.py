"""Texts and keyboards about members: joining, approvals, roles, the member list, /start."""

from __future__ import annotations

from collections import defaultdict
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang
from bot.models import Coalition
from bot.services.members import Member
from bot.services.roles import ROLE_HEADINGS, ROLE_NAMES, ROLES
from bot.views import callbacks
from bot.views.render import country, esc, labelled, prose, syntax, user

ROLE_ICONS = {
    "national_authority": "🏛",
    "champion_donor": "🌟",
    "donor": "💶",
    "operator": "🦺",
    "facilitator": "🤝",
    "secretariat": "🗂",
    "observer": "👁",
}


def role_name(t: Lang, role: str) -> str:
    return t._(ROLE_NAMES[role])


def role_heading(t: Lang, role: str) -> str:
    """A role as the heading of a group of members in `/members` (plural, capitalised)."""
    return t._(ROLE_HEADINGS[role])


def who(t: Lang, member: Member) -> str:
    """A member's display: name, @username and organisation, escaped and direction-isolated."""
    name = user(t, member.person.full_name) if member.person.full_name else esc(t._("former member"))
    if member.person.username:
        name += " " + t.ltr("@" + esc(member.person.username))
    return name


def choose_role(t: Lang) -> str:
    return prose(
        t, t._("What is your role in the coalition? You can add your organisation with /join <role> <organisation>.")
    )


def role_keyboard(t: Lang) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            t.button(partial(role_name, role=role), ROLE_ICONS[role]),
            callback_data=callbacks.Join(role).pack(),
        )
        for role in ROLES
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def joined(t: Lang, member: Member, pending: bool) -> str:
    role = member.membership.pending_role if pending else member.membership.role
    text = (
        t._("{name} asked to join as {role}; a manager must approve.") if pending else t._("{name} joined as {role}.")
    ).format(name=who(t, member), role=role_name(t, role))
    if member.membership.organisation:
        text += " " + t._("Organisation: {organisation}.").format(organisation=user(t, member.membership.organisation))
    return text


def start_hint(t: Lang, link: str) -> str:
    return t._("To receive reminders privately, open {link} and press Start.").format(link=link)


def approve_keyboard(t: Lang, member: Member) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.button(lambda lang: lang._("Approve"), "✅"),
                    callback_data=callbacks.Approve(member.membership.id).pack(),
                )
            ]
        ]
    )


def approved(t: Lang, member: Member) -> str:
    return t._("{name} is now {role}.").format(name=who(t, member), role=role_name(t, member.membership.role))


def member_list(t: Lang, coalition: Coalition, members: list[Member], show_reach: bool) -> str:
    """Members grouped by role then organisation, pending requests last."""
    by_role: dict[str, dict[str, list[Member]]] = defaultdict(lambda: defaultdict(list))
    pending = [m for m in members if m.membership.pending_role]
    for member in members:
        if member.is_active:
            by_role[member.membership.role][member.membership.organisation or ""].append(member)
    count = sum(1 for m in members if m.is_active)
    lines = [
        t.ngettext(
            "<b>Country Coalition of {country}</b>: {n} member",
            "<b>Country Coalition of {country}</b>: {n} members",
            count,
        ).format(country=country(t, coalition.country), n=t.number(count))
    ]
    for role in ROLES:
        if role not in by_role:
            continue
        lines.append("")
        lines.append(f"<b>{esc(role_heading(t, role))}</b>")
        for organisation, group in sorted(by_role[role].items()):
            lines.append("• " + labelled(t, organisation, t.join([_with_reach(t, m, show_reach) for m in group])))
    if pending:
        lines.append("")
        awaiting = t._("Awaiting approval")
        lines.append(f"<b>{awaiting}</b>")
        lines.extend(f"• {who(t, m)} {t.arrow} {role_name(t, m.membership.pending_role)}" for m in pending)
    if show_reach:
        lines.append("")
        lines.append(t._("✉ can receive private messages · ⚠ blocked the bot or cannot be reached"))
    return "\n".join(lines)


def _with_reach(t: Lang, member: Member, show_reach: bool) -> str:
    if not show_reach:
        return who(t, member)
    person = member.person
    mark = "⚠" if person.unreachable else ("✉" if person.can_message else "")
    return f"{who(t, member)} {mark}".rstrip()


def welcome_private(t: Lang, coalitions: list[Coalition]) -> str:
    text = t._("Thank you. I can now send you reminders and summaries privately.")
    if coalitions:
        names = t.join([country(t, c.country) for c in coalitions])
        text += "\n" + t._("Your coalitions: {names}.").format(names=names)
    else:
        text += "\n" + syntax(t, t._("Join your coalition with /join in its group."))
    return text + "\n" + syntax(t, t._("Send /help to see what you can do."))


def thanks(t: Lang) -> str:
    """The short answer on a pressed join button."""
    return t._("Thank you.")


def approved_short(t: Lang) -> str:
    """The short answer on a pressed approval button."""
    return t._("Approved.")
