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
