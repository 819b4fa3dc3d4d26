"""Telegram's flood control, so that the bot's rate limiting is exercised before production.

Telegram documents three limits for bots: about 30 messages per second overall, about one
message per second to a single private chat (short bursts are tolerated), and 20 messages
per minute to one group.  Only message-producing or -changing requests that name a chat
count; everything else (``getUpdates``, ``answerCallbackQuery``, ...) is free.
"""

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

COUNTED_METHODS = frozenset({
    "sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument", "sendPhoto",
    "sendPoll", "stopPoll", "setMessageReaction", "deleteMessage",
})  # fmt: skip


@dataclass
class FloodLimits:
    """The tunable numbers; change them on ``emu.flood_limits`` to make benchmarks stricter."""

    global_per_second: int = 30
    private_per_second: float = 1.0
    # Telegram lets a few messages to one private chat through at once before throttling.
    private_burst: int = 3
    group_per_window: int = 20
    group_window: float = 60.0


@dataclass
class _Bucket:
    """Token bucket for one private chat: refills ``rate`` tokens per second up to ``burst``."""

    tokens: float
    updated: float


@dataclass
class FloodControl:
    """Decides whether a counted request may pass now, and if not, for how long to wait."""

    limits: FloodLimits = field(default_factory=FloodLimits)
    clock: Callable[[], float] = time.monotonic
    _global: deque[float] = field(default_factory=deque)
    _groups: dict[int, deque[float]] = field(default_factory=dict)
    _private: dict[int, _Bucket] = field(default_factory=dict)

    def retry_after(self, chat_id: int | None, is_private: bool) -> int | None:
        """Seconds the caller must wait (≥ 1), or None after counting the request as sent.

        ``chat_id`` is None when the chat is unknown: only the global limit applies then.
        """
        now = self.clock()
        waits = [_window_wait(self._global, self.limits.global_per_second, 1.0, now)]
        if chat_id is not None and is_private:
            waits.append(self._bucket_wait(chat_id, now))
        elif chat_id is not None:
            window = self._groups.setdefault(chat_id, deque())
            waits.append(_window_wait(window, self.limits.group_per_window, self.limits.group_window, now))
        wait = max(waits)
        if wait > 0:
            return max(1, math.ceil(wait))
        self._global.append(now)
        if chat_id is not None and is_private:
            self._private[chat_id].tokens -= 1
        elif chat_id is not None:
            self._groups[chat_id].append(now)
        return None

    def _bucket_wait(self, chat_id: int, now: float) -> float:
        rate, burst = self.limits.private_per_second, self.limits.private_burst
        bucket = self._private.setdefault(chat_id, _Bucket(tokens=burst, updated=now))
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        return 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / rate


def _window_wait(window: deque[float], limit: int, period: float, now: float) -> float:
    """Sliding window: forget old entries; the wait is until the oldest one leaves the window."""
    while window and window[0] <= now - period:
        window.popleft()
    return 0.0 if len(window) < limit else window[0] + period - now
