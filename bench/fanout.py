"""Reminder fan-out under Telegram's limits (SPEC §12).

2,000 members who have not answered get a private reminder (plus one group post) through
the real application, its sender (Telegram's limits applied client-side) and the emulator
with flood control on (30 messages/s overall). A member sends `/help` every second
meanwhile. As SPEC §12 defines them:

* floor = every message of the run (reminders, the group post and the `/help` replies) ÷ 30
  per second; the fan-out is timed from the due time to the last delivery; target ≤ 1.1;
* lost / duplicated / unhandled 429: target 0 / 0 / 0;
* punctuality: the first reminder after its due time, target ≤ 5 s;
* `/help` during the fan-out: reply latency, target p99 ≤ 2 s.

Pass = median of 3 runs (`--runs 3`).

    python bench/fanout.py [--members 2000] [--runs 3] [--database-url URL]
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select

from bench.common import (
    bot_settings,
    coalition_with_members,
    latency_summary,
    limited_emulator,
    median,
    migrated,
    parser,
    percentile,
    repeated,
)
from bot.app import build_application, running
from bot.emulator import Emulator
from bot.emulator.limits import COUNTED_METHODS
from bot.models import Coalition, Delivery
from bot.services.meetings import MeetingRequest, schedule
from bot.store.database import Database

TOKEN = "777:BENCH"
GROUP = -900
INTERACTIVE = 1
LEAD = 4.0  # seconds between start-up and the due time


@dataclass
class Run:
    members: int
    reminded: int
    group_posts: int
    duplicated: int
    failed: int
    unhandled_429: int  # chats answered 429 that never got their message
    answered_429: int
    messages: int
    elapsed: float
    first: float
    latencies: list[float]

    @property
    def floor(self) -> float:
        return self.messages / 30

    @property
    def ratio(self) -> float:
        return self.elapsed / self.floor


async def one_run(size: int, url: str | None) -> Run:
    async with limited_emulator(TOKEN, url) as (emu, url):
        db = await migrated(url)
        now = datetime.now(UTC)
        await coalition_with_members(db, emu, GROUP, size, 10_000, now)
        # from when the members are loaded (on PostgreSQL that alone took longer than LEAD,
        # so the bot started after the due time and the loading counted as lateness)
        due = datetime.now(UTC) + timedelta(seconds=LEAD)
        due_at = time.monotonic() + (due - datetime.now(UTC)).total_seconds()  # the emulator's clock
        async with db.transaction() as s:
            coalition = (await s.exec(select(Coalition))).one()
            await schedule(s, coalition, MeetingRequest(due + timedelta(days=1), "Bench", ""), now)
        await db.dispose()
        emu.add_user(INTERACTIVE, "Interactive")
        async with running(build_application(bot_settings(emu, url)), poll_timeout=1):
            latencies = await _measure(emu, size, due)
        return await _result(emu, url, size, due_at, latencies)


async def _measure(emu: Emulator, size: int, due: datetime) -> list[float]:
    """Wait for the fan-out to finish, probing interactive latency every second."""
    latencies: list[float] = []
    deadline = time.monotonic() + size / 10 + 60
    while _reminded(emu).total() < size and time.monotonic() < deadline:
        before = len(emu.sent)
        started = time.monotonic()
        await emu.send(INTERACTIVE, INTERACTIVE, "/help")
        await emu.wait_for(lambda m, before=before: m.chat_id == INTERACTIVE and emu.sent.index(m) >= before, 30)
        if datetime.now(UTC) > due:
            latencies.append(time.monotonic() - started)
        await asyncio.sleep(1.0)
    await asyncio.sleep(2)  # a duplicate, if any, would arrive now
    return latencies


def _reminded(emu: Emulator) -> Counter:
    return Counter(m.chat_id for m in emu.sent if m.chat_id >= 10_000 and "⏰" in (m.text or ""))


async def _result(emu: Emulator, url: str, size: int, due_at: float, latencies: list[float]) -> Run:
    accepted = [r for r in emu.requests if r.method in COUNTED_METHODS and r.status == 200]
    reminders = [r for r in accepted if "⏰" in str(r.params.get("text", ""))]
    after_due = [r for r in accepted if r.at >= due_at]
    counts = _reminded(emu)
    db = Database(url)
    async with db.transaction() as s:
        states = Counter(d.state for d in (await s.exec(select(Delivery))).all())
    await db.dispose()
    delivered = {r.params.get("chat_id") for r in accepted}
    flooded = {r.params.get("chat_id") for r in emu.flood_responses}
    return Run(
        members=size,
        reminded=len(counts),
        group_posts=sum(1 for r in reminders if r.params.get("chat_id") == GROUP),
        duplicated=sum(1 for c in counts.values() if c > 1),
        failed=states.get("failed", 0),
        unhandled_429=len(flooded - delivered),
        answered_429=len(emu.flood_responses),
        messages=len(after_due),
        elapsed=max(r.at for r in reminders) - due_at,
        first=min(r.at for r in reminders) - due_at,
        latencies=latencies,
    )


def report(run: Run) -> None:
    print(
        f"  reminded privately {run.reminded}/{run.members} (+{run.group_posts} group post)   "
        f"lost {run.members - run.reminded}   duplicated {run.duplicated}   failed {run.failed}   "
        f"429: {run.answered_429} answered, {run.unhandled_429} unhandled"
    )
    print(
        f"  {run.messages} messages from the due time (replies included): floor {run.floor:.1f} s, "
        f"due → last delivery {run.elapsed:.1f} s, ratio {run.ratio:.3f} (target ≤ 1.1)"
    )
    print(f"  first reminder {run.first:+.2f} s after its due time (target ≤ 5 s)")
    print(f"  /help during the fan-out: {latency_summary(run.latencies)} (target p99 ≤ 2 s)")


async def main(size: int, runs: int, url: str | None) -> None:
    print(f"fan-out of {size} reminders on {'PostgreSQL' if url else 'SQLite'}")
    results = await repeated(runs, lambda: one_run(size, url), report)
    if runs > 1:
        print(
            f"median of {runs}: ratio {median([r.ratio for r in results]):.3f}, "
            f"first reminder {median([r.first for r in results]):+.2f} s, "
            f"/help p99 {median([percentile(r.latencies, 99) for r in results]):.3f} s, "
            f"lost {sum(r.members - r.reminded for r in results)}, duplicated {sum(r.duplicated for r in results)}"
        )


if __name__ == "__main__":
    options = parser(__doc__)
    options.add_argument("--members", type=int, default=2000)
    arguments = options.parse_args()
    asyncio.run(main(arguments.members, arguments.runs, arguments.database_url))
