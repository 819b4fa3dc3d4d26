"""Reminder fan-out under Telegram's limits (SPEC §12).

2,000 members who have not answered get a private reminder (plus one group post) through
the real application, its sender (Telegram's limits applied client-side) and the emulator with flood control on
(30 messages/s overall). Prints the elapsed time as a ratio to the floor those limits
impose (target ≤ 1.1), the lost / duplicated / failed-after-429 counts (target 0 / 0 / 0),
punctuality (first message after the due time) and the reply latency of a member's
command sent during the fan-out (target p99 ≤ 2 s).

    python bench/fanout.py [--members 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select

from bench.common import coalition_with_members, migrated, percentile
from bot.app import build_application, running
from bot.config import PROJECT_ROOT, Settings
from bot.emulator import Emulator
from bot.models import Coalition, Delivery
from bot.services.meetings import MeetingRequest, schedule

TOKEN = "777:BENCH"
GROUP = -900
LEAD = 4.0  # seconds between start-up and the due time


async def main(size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(token=TOKEN) as emu:
            emu.flood_control = True
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            db = await migrated(url)
            now = datetime.now(UTC)
            await coalition_with_members(db, emu, GROUP, size, 10_000, now)
            due = now + timedelta(seconds=LEAD)
            async with db.transaction() as s:
                coalition = (await s.exec(select(Coalition))).one()
                await schedule(s, coalition, MeetingRequest(due + timedelta(days=1), "Bench", ""), now)
            await db.dispose()
            emu.add_user(1, "Interactive")
            settings = Settings(
                telegram_bot_token=TOKEN,
                telegram_api_base_url=emu.base_url,
                database_url=url,
                locales_dir=PROJECT_ROOT / "locales",
            )
            application = build_application(settings)
            async with running(application, poll_timeout=1):
                latencies = await _measure(emu, size, due)
            await _report(emu, url, size, due, latencies)


async def _measure(emu: Emulator, size: int, due: datetime) -> list[float]:
    """Wait for the fan-out to finish, probing interactive latency every second."""
    latencies: list[float] = []
    deadline = time.monotonic() + size / 10 + 60
    while _reminded(emu).total() < size and time.monotonic() < deadline:
        before = len([m for m in emu.sent if m.chat_id == 1])
        started = time.monotonic()
        await emu.send(1, 1, "/help")
        await emu.wait_for(
            lambda m, before=before: m.chat_id == 1 and len([x for x in emu.sent if x.chat_id == 1]) > before, 30
        )
        if datetime.now(UTC) > due:
            latencies.append(time.monotonic() - started)
        await asyncio.sleep(1.0)
    await asyncio.sleep(2)  # a duplicate, if any, would arrive now
    return latencies


def _reminded(emu: Emulator) -> Counter:
    return Counter(m.chat_id for m in emu.sent if m.chat_id >= 10_000 and "⏰" in (m.text or ""))


async def _report(emu: Emulator, url: str, size: int, due: datetime, latencies: list[float]) -> None:
    reminders = [m for m in emu.sent if "⏰" in (m.text or "")]
    first = min(m.message["date"] for m in reminders)
    sends = [r for r in emu.requests if r.method == "sendMessage" and r.status == 200]
    fan_out = [r for r in sends if "⏰" in str(r.params.get("text", ""))]
    counts = _reminded(emu)
    db = await migrated(url)
    async with db.transaction() as s:
        states = Counter(d.state for d in (await s.exec(select(Delivery))).all())
    await db.dispose()
    total = size + 1  # the group post
    floor = total / emu.flood_limits.global_per_second
    elapsed = emu_elapsed(emu, fan_out)
    print(
        f"members reminded privately: {len(counts)} of {size} (+ {sum(1 for m in reminders if m.chat_id == GROUP)} group post)"
    )
    print(
        f"lost: {size - len(counts)}   duplicated: {sum(1 for c in counts.values() if c > 1)}   "
        f"failed deliveries: {states.get('failed', 0)}   429 answers handled: {len(emu.flood_responses)}"
    )
    print(
        f"fan-out time: {elapsed:.1f} s   floor at {emu.flood_limits.global_per_second}/s: {floor:.1f} s   "
        f"ratio: {elapsed / floor:.3f}  (target <= 1.1)"
    )
    print(f"punctuality: first reminder {first - due.timestamp():+.1f} s after its due time (target <= 5 s)")
    print(
        f"interactive /help during fan-out: n={len(latencies)} p50={percentile(latencies, 50):.3f} s "
        f"p99={percentile(latencies, 99):.3f} s  (target p99 <= 2 s)"
    )


def emu_elapsed(emu: Emulator, fan_out) -> float:
    """From the first to the last accepted reminder request, as the emulator saw them."""
    times = [r.at for r in fan_out]
    return max(times) - min(times)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000)
    asyncio.run(main(parser.parse_args().members))
