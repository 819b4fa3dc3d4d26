"""The managers' list of who acts for which organisation, sent once after the upgrade that
brought confirmations (SPEC §3), with a *Revoke* button per line."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang
from bot.models import ArchivedReport, Coalition
from bot.services.members import Member
from bot.views import callbacks
from bot.views.members import role_name, who
from bot.views.progress import month
from bot.views.render import country, user

MAX_BUTTONS = 100
"""Telegram's limit of buttons in one message; lines beyond it are listed without one."""


def review(t: Lang, coalition: Coalition, claims: list[Member], archived: list[tuple[ArchivedReport, str]]) -> str:
    """`claims`: members acting for an organisation; `archived`: reports set aside by the merge,
    each with the name of the organisation it was merged into."""
    lines = [
        t._("<b>Country Coalition of {country}: who acts for which organisation</b>").format(
            country=country(t, coalition.country)
        ),
        t._(
            "From now on a manager confirms each member's claim to act for an organisation. The claims made "
            "before are kept as confirmed: revoke any that is wrong with its button."
        ),
        "",
    ]
    for number, member in enumerate(claims, 1):
        lines.append(
            t._("{number}. {name}: {organisation} ({role})").format(
                number=t.number(number),
                name=who(t, member),
                organisation=user(t, member.acting_organisation),
                role=role_name(t, member.membership.role),
            )
        )
    if not claims:
        lines.append(t._("No member acts for an organisation."))
    if len(claims) > MAX_BUTTONS:
        lines.append(
            t._("Lines after line {last} have no button: Telegram allows no more in one message.").format(
                last=t.number(MAX_BUTTONS)
            )
        )
    if archived:
        lines += [
            "",
            t._(
                "Spellings of one organisation were merged into its first spelling. Where two reports had been "
                "filed for the same month, the later one is kept and the other archived (it counts in no total):"
            ),
        ]
        for report, name in archived:
            lines.append(
                "• "
                + t._("{organisation}, {month}: the report filed on {date} as “{spelling}” is archived.").format(
                    organisation=user(t, name),
                    month=month(t, report.period),
                    date=t.date(report.reported_at),
                    spelling=user(t, report.organisation),
                )
            )
    return "\n".join(lines)


def review_keyboard(t: Lang, claims: list[tuple[Member, int]]) -> InlineKeyboardMarkup:
    """One *Revoke* button per claim (member, organisation id), numbered as the lines are."""
    rows = [
        [
            InlineKeyboardButton(
                "✖ "
                + t._("Revoke {number}: {name}, {organisation}").format(
                    number=t.number(number), name=member.person.full_name, organisation=member.acting_organisation
                ),
                callback_data=callbacks.Revoke(member.membership.id, organisation_id).pack(),
            )
        ]
        for number, (member, organisation_id) in enumerate(claims[:MAX_BUTTONS], 1)
    ]
    return InlineKeyboardMarkup(rows)
