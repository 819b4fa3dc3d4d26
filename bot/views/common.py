"""Texts and keyboards used everywhere."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang
from bot.models import Coalition


def apology(t: Lang) -> str:
    return t._("Sorry, something went wrong on my side. Please try again in a moment.")


def too_many_commands(t: Lang) -> str:
    return t._("Too many commands from you: I will ignore your commands here for a minute.")


def coalition_keyboard(coalitions: list[Coalition], data: Callable[[int], str]) -> InlineKeyboardMarkup:
    """One button per coalition (its country); `data` builds the callback data from its id."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(c.country, callback_data=data(c.id))] for c in coalitions])


def edit_not_applied(t: Lang) -> str:
    """The answer to an edited command or dialog answer (SPEC §3 "Edits")."""
    return t._("Edits are not applied: nothing was changed. Please send it again as a new message.")


def step_lost(t: Lang) -> str:
    """A reply to one of the bot's questions whose conversation no longer exists."""
    return t._(
        "This answer arrived after its conversation had ended (it expired, or the bot restarted). "
        "Nothing was stored or sent: please start again with the command."
    )


def unavailable(t: Lang) -> str:
    """The answer while the database does not answer: nothing was done, and it is not the reader's fault."""
    return t._("The bot is temporarily unavailable and could not do this. Please try again in a few minutes.")
