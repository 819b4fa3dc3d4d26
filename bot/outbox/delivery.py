"""Sending one scheduled message robustly (SPEC §11).

PTB's `AIORateLimiter` paces requests and already waits out `RetryAfter`; what is left here
is the outcome the reminder engine records: sent, unreachable (403: blocked or never
started), or failed; transient errors (5xx, dropped connections, time-outs) are retried
with exponential backoff, and a `RetryAfter` that outlived the limiter's retries is waited
out again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from enum import Enum

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from bot.outbox.messaging import send_texts

log = logging.getLogger(__name__)

BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)


class Outcome(Enum):
    SENT = "sent"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


def retry_seconds(error: RetryAfter) -> float:
    """`retry_after` is an int before PTB 22.2 and a timedelta after; accept both."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def deliver(
    bot: Bot,
    chat_id: int,
    texts: Sequence[str],
    *,
    keyboard: InlineKeyboardMarkup | None = None,
    thread_id: int | None = None,
    on_migrated: Callable[[int, int], Awaitable[None]] | None = None,
    backoff: Sequence[float] = BACKOFF,
) -> Outcome:
    attempt = 0
    while True:
        try:
            await send_texts(bot, chat_id, texts, keyboard=keyboard, thread_id=thread_id)
            return Outcome.SENT
        except Forbidden:
            return Outcome.UNREACHABLE
        except RetryAfter as error:
            await asyncio.sleep(retry_seconds(error) + 0.1)
        except ChatMigrated as error:
            if on_migrated is not None:
                await on_migrated(chat_id, error.new_chat_id)
            chat_id = error.new_chat_id
        except BadRequest as error:
            log.error("Telegram refused a message to %s: %s", chat_id, error.message)
            return Outcome.FAILED
        except NetworkError as error:  # 5xx, dropped connection, time-out
            if attempt >= len(backoff):
                log.error("giving up on a message to %s after %d attempts: %s", chat_id, attempt + 1, error)
                return Outcome.FAILED
            await asyncio.sleep(backoff[attempt])
            attempt += 1
