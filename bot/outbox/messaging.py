"""Sending texts: splitting at 4096 characters, keyboards on the last part, forum topics."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Bot, ForceReply, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ParseMode

from bot.views.render import split_text


async def send_texts(
    bot: Bot,
    chat_id: int,
    texts: Sequence[str],
    *,
    keyboard: InlineKeyboardMarkup | ForceReply | None = None,
    thread_id: int | None = None,
    reply_to: int | None = None,
) -> list[Message]:
    """Send each text (split if needed) in order; the keyboard goes on the very last message."""
    quote = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    chunks = [chunk for text in texts for chunk in split_text(text)]
    sent = []
    for index, chunk in enumerate(chunks):
        sent.append(
            await bot.send_message(
                chat_id,
                chunk,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard if index == len(chunks) - 1 else None,
                message_thread_id=thread_id,
                reply_parameters=quote if index == 0 else None,
            )
        )
    return sent
