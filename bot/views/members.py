"""Texts and keyboards about members: joining, approvals, roles, the member list, /start."""

from __future__ import annotations

from collections import defaultdict
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang
from bot.models import Coalition, Organisation
from bot.services.members import Granted, Member
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


def member_name(t: Lang, member: Member) -> str:
    """A member in a list: their name, and an organisation claimed but not yet confirmed, which
    they do not act for ("Nadia (NPA, unconfirmed)", SPEC §3)."""
    awaiting = member.awaiting_organisation
    if awaiting is None:
        return who(t, member)
    return t._("{name} ({organisation}, unconfirmed)").format(name=who(t, member), organisation=user(t, awaiting))


def organisation_of(member: Member) -> str:
    """The organisation a member is grouped and counted under: the confirmed one, else none."""
    return member.acting_organisation or ""


def joined(t: Lang, member: Member, pending: bool, link: str | None) -> str:
    """The one answer to /join: the role taken or asked for, the organisation (and whether a
    manager must confirm it), and the link to the private chat when the bot may not write yet."""
    record = member.membership
    role = record.pending_role if pending else record.role
    lines = [
        (
            t._("{name} asked to join as {role}; a manager must approve.")
            if pending
            else t._("{name} joined as {role}.")
        ).format(name=who(t, member), role=role_name(t, role))
    ]
    awaiting = member.awaiting_organisation
    if awaiting:
        lines.append(
            t._(
                "Organisation: {organisation}, unconfirmed. A manager must confirm it; until then they act as an "
                "individual (meetings, proposals, comments and concerns), not for {organisation}."
            ).format(organisation=user(t, awaiting))
        )
    elif record.organisation:
        lines.append(t._("Organisation: {organisation}.").format(organisation=user(t, record.organisation)))
    if link:
        lines.append(start_hint(t, link))
    return "\n".join(lines)


def start_hint(t: Lang, link: str) -> str:
    return t._("To receive reminders privately, open {link} and press Start.").format(link=link)


def approve_keyboard(t: Lang, member: Member, claimed: Organisation | None) -> InlineKeyboardMarkup:
    """The button of one request: it names the organisation claimed, so it confirms no other."""
    data = callbacks.Approve(member.membership.id, claimed.id if claimed else None)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.button(lambda lang: lang._("Approve"), "✅"), callback_data=data.pack())]]
    )


def approved(t: Lang, member: Member, granted: Granted) -> str:
    """What an approval or `/role` gave: the role, the organisation now acted for, or both."""
    lines = []
    if granted.role is not None:
        lines.append(t._("{name} is now {role}.").format(name=who(t, member), role=role_name(t, granted.role)))
        if granted.role == "facilitator":  # SPEC §8: the group knows who receives concerns
            lines.append(t._("They will receive the anonymous concerns sent from now on, not earlier ones."))
    if granted.organisation is not None:
        lines.append(
            t._("{name} now acts for {organisation}.").format(
                name=who(t, member), organisation=user(t, granted.organisation)
            )
        )
    return " ".join(lines)


def revoked(t: Lang, member: Member, organisation: str) -> str:
    return t._("{name} no longer acts for {organisation}.").format(
        name=who(t, member), organisation=user(t, organisation)
    )


def revoked_short(t: Lang, member: Member, organisation: str) -> str:
    """The answer on a pressed Revoke button (plain text: no HTML in button answers)."""
    return t._("Revoked: {name} ({organisation}).").format(name=member.person.full_name, organisation=organisation)


def revoked_notice(t: Lang, coalition: Coalition, organisation: str) -> str:
    """To the member whose claim a manager revoked."""
    return prose(
        t,
        t._(
            "A manager of the Country Coalition of {country} revoked your claim to act for {organisation}: you "
            "now act as an individual there. If this is a mistake, ask again with /join <role> <organisation> "
            "in the group."
        ),
    ).format(country=country(t, coalition.country), organisation=user(t, organisation))


def member_list(t: Lang, coalition: Coalition, members: list[Member], show_reach: bool) -> str:
    """Members grouped by role then organisation, pending requests last."""
    by_role: dict[str, dict[str, list[Member]]] = defaultdict(lambda: defaultdict(list))
    pending = [m for m in members if m.membership.pending_role]
    for member in members:
        if member.is_active:
            by_role[member.membership.role][organisation_of(member)].append(member)
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
        lines.extend(f"• {member_name(t, m)} {t.arrow} {role_name(t, m.membership.pending_role)}" for m in pending)
    if show_reach:
        lines.append("")
        lines.append(t._("✉ can receive private messages · ⚠ blocked the bot or cannot be reached"))
    return "\n".join(lines)


def _with_reach(t: Lang, member: Member, show_reach: bool) -> str:
    if not show_reach:
        return member_name(t, member)
    person = member.person
    mark = "⚠" if person.unreachable else ("✉" if person.can_message else "")
    return f"{member_name(t, member)} {mark}".rstrip()


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
