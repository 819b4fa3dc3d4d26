"""Texts and keyboard of `/forgetme`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Lang
from bot.views import callbacks


def confirm(t: Lang) -> str:
    return t._(
        "This erases your personal data in every coalition: your Telegram account, name, username, "
        "memberships, answers to meetings, named poll votes and pending private reminders. Action points, "
        "updates and notes you wrote stay, signed “former member”. This cannot be undone."
    )


def confirm_keyboard(t: Lang) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t._("Erase my data"), callback_data=callbacks.Forget(True).pack()),
                InlineKeyboardButton(t._("Keep my data"), callback_data=callbacks.Forget(False).pack()),
            ]
        ]
    )


def erased(t: Lang) -> str:
    return t._("Your personal data has been erased. Goodbye, and thank you for your work.")


def kept(t: Lang) -> str:
    return t._("Nothing was erased.")
