"""Isolation (SPEC §12): one group over its budget does not delay anybody else's replies.

The real application, its sender applying Telegram's limits, and the emulator with flood
control on. One coalition's group is flooded: 30 commands in 60 s from 30 of its members,
more than its 20 requests a minute. Meanwhile 5 other chats (members of another coalition,
each in their private chat) send a command a second for 120 s, alternately `/actions` (a
database read and a list) and `/help`. Target: their replies leave within 1 s, p99.

Also printed: how the flooded group fared (its replies wait for its budget, and are merged
once they have waited 30 s), and that no request got a 429.

    python bench/isolation.py [--quick] [--runs 3] [--database-url URL]

`--quick` runs 30 s (the flood in the first 15 s) instead of 120 s.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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

TOKEN = "779:BENCH"
FLOODED, QUIET = -700_001, -700_002
FLOOD_MEMBERS, QUIET_MEMBERS = 40_000, 41_000
FLOOD_COMMANDS = 30
OTHER_CHATS = 5
COMMANDS = ("/actions", "/help")


@dataclass
class Run:
    latencies: list[float]
    flooded_replies: int
    flooded_messages: int
    flooded_last: float
    flood_429: int

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)


async def _other_chat(emu: Emulator, user: int, seconds: float, latencies: list[float]) -> None:
    """One member's private chat: a command a second; the time to the bot's reply each time."""
    start = time.monotonic()
    for tick in range(int(seconds)):
        await asyncio.sleep(max(0.0, start + tick - time.monotonic()))
        last = max((m.message_id for m in emu.sent if m.chat_id == user), default=0)
        sent = time.monotonic()
        await emu.send(user, user, COMMANDS[tick % len(COMMANDS)])
        await emu.wait_for(lambda m, last=last: m.chat_id == user and m.message_id > last, 30)
        latencies.append(time.monotonic() - sent)


async def _flood(emu: Emulator, seconds: float) -> list[float]:
    """30 members of the flooded coalition each send `/help` in their group, evenly over `seconds`."""
    sent_at = []
    start = time.monotonic()
    for k in range(FLOOD_COMMANDS):
        await asyncio.sleep(max(0.0, start + k * seconds / FLOOD_COMMANDS - time.monotonic()))
        sent_at.append(time.monotonic())
        await emu.send(FLOODED, FLOOD_MEMBERS + k, "/help")
    return sent_at


async def one_run(seconds: float, url: str | None) -> Run:
    async with limited_emulator(TOKEN, url) as (emu, url):
        db = await migrated(url)
        now = datetime.now(UTC)
        await coalition_with_members(db, emu, FLOODED, FLOOD_COMMANDS, FLOOD_MEMBERS, now)
        await coalition_with_members(db, emu, QUIET, OTHER_CHATS, QUIET_MEMBERS, now)
        await db.dispose()
        application = build_application(bot_settings(emu, url))
        latencies: list[float] = []
        async with running(application, poll_timeout=1):
            await asyncio.sleep(1.0)  # start-up work (menus, the first looks) out of the way
            others = [_other_chat(emu, QUIET_MEMBERS + k, seconds, latencies) for k in range(OTHER_CHATS)]
            flood, *_ = await asyncio.gather(_flood(emu, seconds / 2), *others)
            await application.bot_data["runtime"].sender.idle()
        replies = [r for r in emu.requests if r.method == "sendMessage" and r.params.get("chat_id") == FLOODED]
        accepted = [r for r in replies if r.status == 200]
        return Run(
            latencies=latencies,
            flooded_replies=FLOOD_COMMANDS,
            flooded_messages=len(accepted),
            flooded_last=max(r.at for r in accepted) - flood[-1] if accepted else float("nan"),
            flood_429=len(emu.flood_responses),
        )


def report(run: Run) -> None:
    print(f"  other chats' replies: {latency_summary(run.latencies)} (target p99 ≤ 1 s)")
    print(
        f"  flooded group: {run.flooded_replies} commands answered in {run.flooded_messages} messages "
        f"(waiting replies merged), the last {run.flooded_last:.1f} s after the last command; "
        f"429 answers: {run.flood_429}"
    )


async def main(seconds: float, runs: int, url: str | None) -> None:
    print(
        f"isolation on {'PostgreSQL' if url else 'SQLite'}: {FLOOD_COMMANDS} commands in {seconds / 2:.0f} s in one "
        f"group, {OTHER_CHATS} other chats a command a second for {seconds:.0f} s"
    )
    results = await repeated(runs, lambda: one_run(seconds, url), report)
    if runs > 1:
        print(f"median of {runs}: other chats' p99 {median([r.p99 for r in results]):.3f} s (target ≤ 1 s)")


if __name__ == "__main__":
    options = parser(__doc__)
    options.add_argument("--quick", action="store_true", help="30 s instead of 120 s")
    arguments = options.parse_args()
    asyncio.run(main(30.0 if arguments.quick else 120.0, arguments.runs, arguments.database_url))
