"""Texts and keyboards of leaving (SPEC §3): a member who left, the bot out of the group and
back, and `/closecoalition`."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang
from bot.models import Coalition
from bot.services.leaving import Resumed
from bot.views import callbacks
from bot.views.render import country, prose


def _cancel(t: Lang) -> str:
    """The command that keeps a closing coalition, set for copying (never translated)."""
    return t.ltr("<code>/closecoalition cancel</code>")


def _named(t: Lang, coalition: Coalition) -> str:
    return f"<b>{country(t, coalition.country)}</b>"


def membership_ended(t: Lang, coalition: Coalition) -> str:
    """Privately, to someone who left the group or was removed from it."""
    return prose(
        t,
        t._(
            "You are no longer a member of the Country Coalition of {country}: you are no longer in its group. "
            "Your role and any pending request have ended, and you will not receive its reminders; what you "
            "recorded stays. To take part again, rejoin the group and send /join there."
        ),
    ).format(country=_named(t, coalition))


def paused(t: Lang, coalition: Coalition) -> str:
    """Privately, to the managers: the bot was removed from the group."""
    return prose(
        t,
        t._(
            "I was removed from the group of the Country Coalition of {country}, so the coalition is paused: "
            "nothing is posted in the group and no reminders are sent. Nothing scheduled is lost. Add me to "
            "the group again to resume."
        ),
    ).format(country=_named(t, coalition))


def resumed(t: Lang, coalition: Coalition, result: Resumed) -> str:
    """Privately, to the managers: the bot is back in the group."""
    lines = [
        t._(
            "I am back in the group of the Country Coalition of {country} (paused since {since}): posts and reminders resume."
        ).format(country=_named(t, coalition), since=t.date(result.since))
    ]
    if result.sent:
        lines.append(
            t.ngettext(
                "{n} reminder that fell due during the pause is sent now.",
                "{n} reminders that fell due during the pause are sent now.",
                result.sent,
            ).format(n=t.number(result.sent))
        )
    if result.dropped:
        lines.append(
            t.ngettext(
                "{n} older reminder was dropped: a later one about the same thing is sent instead.",
                "{n} older reminders were dropped: a later one about the same thing is sent instead.",
                result.dropped,
            ).format(n=t.number(result.dropped))
        )
    return "\n".join(lines)


def close_question(t: Lang, coalition: Coalition) -> str:
    return prose(
        t,
        t._(
            "Close the Country Coalition of {country}? You receive its records now, as CSV files. The group is "
            "told that all its data (members, meetings, action points, reports, needs and pledges, concerns) "
            "will be erased in 30 days unless someone sends {cancel} before then."
        ),
    ).format(country=_named(t, coalition), cancel=_cancel(t))


def close_keyboard(t: Lang, coalition: Coalition) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t._("Close, erase in 30 days"), callback_data=callbacks.CloseCoalition(coalition.id, "yes").pack()
                ),
                InlineKeyboardButton(
                    t._("Keep the coalition"), callback_data=callbacks.CloseCoalition(coalition.id, "no").pack()
                ),
            ]
        ]
    )


def choose_keyboard(coalitions: list[Coalition]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(c.country, callback_data=callbacks.CloseCoalition(c.id, "ask").pack())]
            for c in coalitions
        ]
    )


def choose(t: Lang) -> str:
    return t._("Which coalition do you want to close?")


def confirm_sent(t: Lang) -> str:
    return t._("I have sent you a private message to confirm.")


def confirm_needs_private(t: Lang, link: str) -> str:
    return prose(
        t,
        t._(
            "I confirm this with you in a private chat: open {link}, press Start, then send /closecoalition here again."
        ),
    ).format(link=link)


def closing_announced(t: Lang, coalition: Coalition, erase_at: datetime) -> str:
    """In the group, once the closing is confirmed."""
    return prose(
        t,
        t._(
            "The Country Coalition of {country} is closing: all its data will be erased on {day}. Until then "
            "everything works as usual. The national authority or a group administrator can keep it with {cancel}."
        ),
    ).format(country=_named(t, coalition), day=t.date(erase_at), cancel=_cancel(t))


def closing_confirmed(t: Lang, coalition: Coalition, erase_at: datetime) -> str:
    """Privately, to whoever confirmed: the records follow as files."""
    return prose(
        t,
        t._(
            "Confirmed. The records of the Country Coalition of {country} follow as CSV files, and the group has "
            "been told. Its data will be erased on {day}; {cancel} before then keeps it."
        ),
    ).format(country=_named(t, coalition), day=t.date(erase_at), cancel=_cancel(t))


def already_closing(t: Lang, coalition: Coalition, erase_at: datetime) -> str:
    return prose(
        t,
        t._(
            "The Country Coalition of {country} is already closing: its data will be erased on {day}. {cancel} keeps it."
        ),
    ).format(country=_named(t, coalition), day=t.date(erase_at), cancel=_cancel(t))


def close_declined(t: Lang) -> str:
    return t._("Nothing changes: the coalition stays open.")


def closing_cancelled(t: Lang, coalition: Coalition) -> str:
    """In the group (and to whoever cancelled it in private)."""
    return t._("The closing of the Country Coalition of {country} was cancelled: its data is kept.").format(
        country=_named(t, coalition)
    )


def several_closing(t: Lang) -> str:
    return prose(
        t,
        t._("Several of your coalitions are closing: send {cancel} in the group of the one to keep."),
    ).format(cancel=_cancel(t))


def erased(t: Lang, coalition: Coalition) -> str:
    """After the erasure, to the managers and in the group (if the bot is still there)."""
    return prose(
        t,
        t._(
            "As announced 30 days ago, the data of the Country Coalition of {country} has been erased. A group "
            "administrator can register the group again with /setup."
        ),
    ).format(country=_named(t, coalition))
