"""Reading a pressed button: its callback data parsed into the typed kind it claims to be."""

from __future__ import annotations

from typing import TypeVar

from telegram import Update

from bot.i18n import N_
from bot.services.errors import InvalidInput
from bot.views.callbacks import CallbackData, InvalidCallback

K = TypeVar("K", bound=CallbackData)


def pressed(update: Update, kind: type[K]) -> K:
    """The button's data as `kind`; forged, stale or malformed data is refused, nothing changes."""
    try:
        return kind.parse(update.callback_query.data if update.callback_query else None)
    except InvalidCallback:
        raise InvalidInput(N_("This button is not valid.")) from None
