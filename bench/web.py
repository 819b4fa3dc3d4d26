"""Dashboard and public page render time (SPEC §15: p99 ≤ 200 ms on SQLite).

One coalition of 30 members with three years of monthly reports from five operators
(180 reports), 12 meetings held and one ahead with RSVPs, 40 action points (half open, with
updates), both treaty deadlines; served by the real application (its dashboard server
started by `post_init`, as `coalition-bot run` does) against the emulator. Each page is
requested `--requests` times after a warm-up, one at a time, and timed from the request to
the last byte received:

* the members' dashboard, signed in by the session cookie (every request re-checks the
  membership in the database);
* the members' dashboard signed in by Telegram's `initData` (POST, the Mini App's first load);
* the public transparency page.

    python bench/web.py [--requests 300] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bench.common import coalition_with_members, migrated, percentile
from bot.app import build_application, running
from bot.config import PROJECT_ROOT, Settings
from bot.emulator import Emulator
from bot.emulator.webapps import init_data
from bot.models import ActionPoint, ActionUpdate, Coalition, Meeting, Person, ProgressReport, Rsvp, TreatyDeadline
from bot.web.auth import COOKIE, session_value

TOKEN = "777:BENCH"
GROUP = -900
FIRST_USER = 10_000
MEMBERS = 30
OPERATORS = ("NPA", "HALO Trust", "MAG", "DCA", "National operator")
TARGET_MS = 200.0


async def _load(url: str, emu: Emulator, now: datetime) -> int:
    db = await migrated(url)
    coalition_id = await coalition_with_members(db, emu, GROUP, MEMBERS, FIRST_USER, now)
    async with db.transaction() as s:
        coalition = await s.get(Coalition, coalition_id)
        coalition.baseline_m2, coalition.public, coalition.public_slug = 40_000_000, True, "bench"
        people = [p.id for p in (await s.exec(Person.__table__.select())).all()]
        for i, organisation in enumerate(OPERATORS):
            for month in range(36):
                year, number = divmod(month, 12)
                s.add(ProgressReport(coalition_id=coalition_id, organisation=organisation,
                                     period=f"{now.year - 3 + year}-{number + 1:02d}", cancelled=20_000 + i,
                                     reduced=15_000, cleared=30_000 + 100 * month, cmr=12, reported_at=now))  # fmt: skip
        for number in range(1, 13):
            s.add(Meeting(coalition_id=coalition_id, number=number, starts_at=now - timedelta(days=90 * number),
                          title=f"Meeting {number}", created_at=now))  # fmt: skip
        ahead = Meeting(coalition_id=coalition_id, number=13, starts_at=now + timedelta(days=20), title="Next",
                        created_at=now)  # fmt: skip
        s.add(ahead)
        await s.flush()
        for person_id, answer in zip(people, ["yes", "online", "no"] * 8, strict=False):
            s.add(Rsvp(meeting_id=ahead.id, person_id=person_id, answer=answer, answered_at=now))
        for number in range(1, 41):
            action = ActionPoint(coalition_id=coalition_id, number=number, text=f"Action point number {number}",
                                 owner_kind="member", owner_person_id=people[number % len(people)],
                                 due_on=(now + timedelta(days=number * 5 - 60)).date(),
                                 status="done" if number % 2 else "progress", created_at=now, updated_at=now)  # fmt: skip
            s.add(action)
            await s.flush()
            for k in range(3):
                s.add(ActionUpdate(action_id=action.id, author_id=people[0], at=now - timedelta(days=k), text="ok"))
        for article, day in (("article3", date(now.year + 2, 8, 1)), ("article4", date(now.year + 5, 8, 1))):
            s.add(TreatyDeadline(coalition_id=coalition_id, article=article, due_on=day, set_at=now))
    await db.dispose()
    return coalition_id


async def _time(http: aiohttp.ClientSession, requests: int, make) -> list[float]:
    timings = []
    for i in range(requests + 20):
        started = time.perf_counter()
        async with make(http) as response:
            await response.read()
            assert response.status == 200, response.status
        if i >= 20:  # warm-up
            timings.append((time.perf_counter() - started) * 1000)
    return timings


async def main(requests: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(token=TOKEN) as emu:
            url = database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            now = datetime.now(UTC)
            coalition_id = await _load(url, emu, now)
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            base = f"http://127.0.0.1:{port}"
            settings = Settings(
                telegram_bot_token=TOKEN, telegram_api_base_url=emu.base_url, database_url=url,
                locales_dir=PROJECT_ROOT / "locales", public_url=base, web_host="127.0.0.1", web_port=port,
            )  # fmt: skip
            reader = FIRST_USER + 1
            user = {"id": reader, "first_name": f"Member {reader}", "language_code": "en"}
            async with running(build_application(settings)), aiohttp.ClientSession() as http:
                cookie = {COOKIE: session_value(TOKEN, reader, now)}
                page = f"{base}/app?c={coalition_id}"
                results = {
                    "dashboard (cookie)": await _time(http, requests, lambda h: h.get(page, cookies=cookie)),
                    "dashboard (initData)": await _time(
                        http,
                        requests,
                        lambda h: h.post(f"{base}/app", data={"init_data": init_data(TOKEN, user, int(time.time()))}),
                    ),
                    "public page": await _time(http, requests, lambda h: h.get(f"{base}/c/bench")),
                }
    print(f"{'page':<22} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}   target p99 ≤ {TARGET_MS:.0f} ms")
    worst = 0.0
    for name, timings in results.items():
        p99 = percentile(timings, 99)
        worst = max(worst, p99)
        print(f"{name:<22} {percentile(timings, 50):>8.1f} {p99:>8.1f} {max(timings):>8.1f}")
    print("PASS" if worst <= TARGET_MS else "FAIL")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--database-url")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.database_url))
