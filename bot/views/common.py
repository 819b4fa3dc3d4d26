"""Texts used everywhere."""

from __future__ import annotations

from bot.i18n import Lang


def apology(t: Lang) -> str:
    return t._("Sorry, something went wrong on my side. Please try again in a moment.")
