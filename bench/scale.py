"""Scale (SPEC §12): 1,000 coalitions × 30 members and 20,000 pending reminders.

Loads the data with bulk inserts, then starts a real `coalition-bot run` process against
the emulator and measures: start-up time (process start → first getUpdates; target < 5 s),
resident memory after start-up (target < 300 MB), and the time to dispatch a due batch
(50 meeting reminders = 50 group posts + 1,500 private messages, flood control off and the
fan-out pace raised, so the engine itself is measured).

    python bench/scale.py [--database-url postgresql://postgres@127.0.0.1/test7]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from bench.common import migrated
from bot.emulator import Emulator
from bot.models import Coalition, Meeting, Membership, Organisation, Person, Reminder

TOKEN = "888:SCALE"
COALITIONS, MEMBERS, REMINDERS, DUE = 1000, 30, 20_000, 50


async def load(url: str, emu: Emulator, now: datetime) -> None:
    db = await migrated(url)
    async with db.engine.begin() as conn:
        for table in ("delivery", "reminder", "rsvp", "meeting", "membership", "organisation", "person", "coalition"):
            await conn.execute(text(f"DELETE FROM {table}"))
        await conn.execute(
            insert(Coalition),
            [
                {
                    "id": c + 1,
                    "chat_id": -10_000 - c,
                    "title": "",
                    "country": f"Country {c}",
                    "timezone": "UTC",
                    "languages": "en",
                    "cadence_months": 6,
                    "reminder_offsets": "14d,7d,1d",
                    "created_at": now,
                }
                for c in range(COALITIONS)
            ],
        )
        people = [
            {
                "id": p + 1,
                "tg_user_id": 1_000_000 + p,
                "full_name": f"Member {p}",
                "can_message": True,
                "unreachable": False,
            }
            for p in range(COALITIONS * MEMBERS)
        ]
        await conn.execute(insert(Person), people)
        await conn.execute(
            insert(Organisation),
            [
                {"coalition_id": c + 1, "name": f"Org {o}", "key": f"org {o}", "created_at": now}
                for c in range(COALITIONS)
                for o in range(5)
            ],
        )
        await conn.execute(
            insert(Membership),
            [
                {
                    "coalition_id": p // MEMBERS + 1,
                    "person_id": p + 1,
                    "role": "operator",
                    "organisation": f"Org {p % 5}",
                    "organisation_confirmed_at": now,
                    "joined_at": now,
                }
                for p in range(COALITIONS * MEMBERS)
            ],
        )
        meetings = [
            {
                "id": c + 1,
                "coalition_id": c + 1,
                "number": 1,
                "starts_at": now + timedelta(days=30),
                "title": "Meeting",
                "location": "",
                "cancelled": False,
                "revision": 1,
                "created_at": now,
            }
            for c in range(COALITIONS)
        ]
        await conn.execute(insert(Meeting), meetings)
        rows = []
        for i in range(REMINDERS):
            coalition = i % COALITIONS + 1
            due = now + timedelta(seconds=5) if i < DUE else now + timedelta(days=1, minutes=i)
            rows.append(
                {
                    "key": f"scale:{i}",
                    "coalition_id": coalition,
                    "kind": "meeting",
                    "meeting_id": coalition,
                    "label": f"{i}m",
                    "due_at": due,
                    "state": "pending",
                    "note": "",
                }
            )
        await conn.execute(insert(Reminder), rows)
    await db.dispose()
    for c in range(DUE):
        emu.add_group(-10_000 - c, f"Coalition {c}")
        for p in range(c * MEMBERS, (c + 1) * MEMBERS):
            emu.add_user(1_000_000 + p, f"Member {p}")
            emu.started.add(1_000_000 + p)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main(url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite+aiosqlite:///{Path(tmp) / 'scale.db'}"
        async with Emulator(token=TOKEN) as emu:
            now = datetime.now(UTC)
            started = time.monotonic()
            await load(url, emu, now)
            print(
                f"loaded {COALITIONS} coalitions, {COALITIONS * MEMBERS} members, {REMINDERS} reminders "
                f"in {time.monotonic() - started:.1f} s"
            )
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_BASE_URL": emu.base_url,
                "DATABASE_URL": url,
                "LOG_LEVEL": "WARNING",
                "BULK_MESSAGES_PER_SECOND": "1000",
            }
            launched = time.monotonic()
            process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp)
            try:
                while not any(r.method == "getUpdates" for r in emu.requests):
                    await asyncio.sleep(0.01)
                startup = time.monotonic() - launched
                print(f"start-up: {startup:.2f} s to the first getUpdates (target < 5 s)")
                expected = DUE * (MEMBERS + 1)
                while sum(1 for m in emu.sent if "⏰" in (m.text or "")) < expected:
                    await asyncio.sleep(0.05)
                first = min(r.at for r in emu.requests if r.method == "sendMessage")
                last = max(r.at for r in emu.requests if r.method == "sendMessage")
                print(
                    f"due batch: {DUE} reminders, {expected} messages in {last - first:.1f} s "
                    f"({expected / (last - first):.0f} messages/s; Telegram allows 30/s)"
                )
                await asyncio.sleep(2)
                print(f"resident memory after start-up and the batch: {rss_mb(process.pid):.0f} MB (target < 300 MB)")
            finally:
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    asyncio.run(main(parser.parse_args().database_url))
