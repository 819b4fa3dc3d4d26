"""Time source. Injected everywhere that decides "is it due?" or waits, so tests can move time."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta


class Clock:
    """The real clock (aware UTC), with the monotonic time and the sleep the sender paces by."""

    speed = 1.0  # clock seconds per wall second

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class FrozenClock(Clock):
    """A clock that only moves when told to; for tests, the demo and benchmarks.

    Waiting (pacing, back-off) still takes real time: only "what time is it" is frozen."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment


class FastClock(FrozenClock):
    """Time running `speed` times faster than the wall, for outages and flood limits in tests:
    a three-minute outage takes seconds. `advance` still jumps ahead."""

    def __init__(self, start: datetime, speed: float) -> None:
        super().__init__(start)
        self.speed = speed
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._now + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        return (time.monotonic() - self._origin) * self.speed

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds / self.speed)
