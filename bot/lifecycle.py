"""Start-up and outages as a system administrator sees them (SPEC §2): lines, not tracebacks.

- The database must answer at start: it is retried for `DATABASE_WAIT_SECONDS`, then the
  process ends with one line (exit 1), since nothing works without it.
- The Bot API need not: a network error or a 5xx is retried with backoff (1 s doubling to
  60 s) forever — one WARNING per attempt for ten minutes, then one per ten minutes — and
  one line says when it answers. Telegram's 401/404 (a wrong token or base URL) ends the
  process with one line (exit 2): retrying cannot mend it.
- Once running, a polling outage is one WARNING and one line when Telegram answers again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.store.database import Database

log = logging.getLogger(__name__)

FIRST_DELAY, MAX_DELAY = 1.0, 60.0
QUIET_AFTER = 600.0  # seconds of outage after which a warning is logged only every QUIET_AFTER


class Fatal(Exception):
    """A start-up failure the user must mend: its message is the one line printed."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def database_outage(error: BaseException) -> bool:
    """Whether `error` means the database does not answer (as opposed to a bug or bad data)."""
    if isinstance(error, OSError | ConnectionError | TimeoutError):
        return True
    return isinstance(error, DBAPIError) and (
        error.connection_invalidated or isinstance(error.orig, OSError) or "connect" in str(error.orig).lower()
    )


def one_line(error: BaseException) -> str:
    """The cause of `error` in one line, without SQLAlchemy's statement and background link."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    words = str(cause).strip().splitlines()
    return words[0] if words else type(cause).__name__


def safe_url(url: str) -> str:
    """The database URL as logs and messages may show it: the password masked."""
    return make_url(url).render_as_string(hide_password=True)


async def wait_for_database(
    url: str, *, wait_seconds: float, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> None:
    """Return once the database answers; `Fatal` (exit 1) after `wait_seconds` of trying.

    A SQLite file that cannot be opened will not heal by waiting, so it fails at once.
    """
    deadline = time.monotonic() + wait_seconds
    delay = FIRST_DELAY
    while True:
        db = Database(url)
        try:
            async with db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return
        except (OSError, DBAPIError) as error:
            if db.is_sqlite or time.monotonic() + delay > deadline:
                raise Fatal(f"the database {safe_url(url)} does not answer: {one_line(error)}", 1) from None
            log.warning(
                "the database %s does not answer (%s); retrying in %.0f s", safe_url(url), one_line(error), delay
            )
        finally:
            await db.dispose()
        await sleep(delay)
        delay = min(delay * 2, MAX_DELAY)


async def wait_for_bot_api(
    bot: Bot,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Initialise `bot` (its `getMe`), retrying network errors forever; `Fatal` on 401/404."""
    delay, attempts = FIRST_DELAY, 0
    started = last_warning = monotonic()
    while True:
        try:
            await bot.initialize()
        except InvalidToken as error:
            raise Fatal(
                f"Telegram refused the token ({error.message}): check TELEGRAM_BOT_TOKEN and TELEGRAM_API_BASE_URL", 2
            ) from None
        except (NetworkError, RetryAfter) as error:  # TimedOut and 5xx are NetworkErrors
            attempts += 1
            wait = _seconds(error.retry_after) if isinstance(error, RetryAfter) else delay
            now = monotonic()
            if now - started < QUIET_AFTER or now - last_warning >= QUIET_AFTER:
                last_warning = now
                log.warning(
                    "the Bot API at %s does not answer (%s); attempt %d, retrying in %.0f s",
                    bot.base_url.removesuffix(bot.token),
                    error.message,
                    attempts,
                    wait,
                )
            await sleep(wait)
            delay = min(delay * 2, MAX_DELAY)
            continue
        if attempts:
            log.info("the Bot API answers again after %d failed attempts", attempts)
        return


def _seconds(period: int | timedelta) -> float:
    """PTB 22 gives `retry_after` as int seconds or (from 22.2 on request) a timedelta."""
    return period.total_seconds() if isinstance(period, timedelta) else float(period)


@dataclass
class PollingWatch:
    """Logs a polling outage as one WARNING when it starts and one line when it ends."""

    since: float | None = None

    def failed(self, error: TelegramError) -> None:
        """`Updater.start_polling`'s error callback (PTB retries by itself)."""
        if self.since is None:
            self.since = time.monotonic()
            log.warning("polling Telegram failed (%s); retrying until it answers", error.message)

    def answered(self) -> None:
        if self.since is not None:
            log.info("polling Telegram works again after %.0f s", time.monotonic() - self.since)
            self.since = None


class PollingRequest(HTTPXRequest):
    """The `getUpdates` connection, telling its `PollingWatch` whenever Telegram answers."""

    def __init__(self, watch: PollingWatch) -> None:
        super().__init__(connection_pool_size=1)
        self._watch = watch

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code < 500:
            self._watch.answered()
        return code, payload
