"""Issue 6 end to end: `/export` (managers, privately) and `coalition-bot export`: CSV files
in UTF-8 with a byte order mark that read back through Python's `csv` module."""

from __future__ import annotations

import asyncio
import codecs
import csv
import io
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.cli import main
from bot.models import ActionPoint, ActionUpdate, Coalition, Person
from bot.store.database import Database
from tests.e2e.conftest import ADMIN, GROUP, JOHN, NADIA, SALIM

APRIL = datetime(2027, 4, 5, 8, 0, tzinfo=UTC)
FILES = [
    "members.csv",
    "meetings.csv",
    "rsvps.csv",
    "action_points.csv",
    "action_updates.csv",
    "needs.csv",
    "pledges.csv",
    "reports.csv",
]


def _read(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def _action_point(bot) -> None:
    """An action point with one update, written as the action points area stores them."""
    db = Database(bot.settings.database_url)
    async with db.transaction() as s:
        coalition = (await s.exec(select(Coalition))).one()
        nadia = (await s.exec(select(Person).where(Person.tg_user_id == NADIA))).one()
        point = ActionPoint(coalition_id=coalition.id, number=1, text="Survey the south, ملخص", owner_kind="organisation",
                            owner_name="NPA", created_by_id=nadia.id, created_at=APRIL, updated_at=APRIL)  # fmt: skip
        s.add(point)
        await s.flush()
        s.add(ActionUpdate(action_id=point.id, author_id=nadia.id, at=APRIL, status="progress", percent=40,
                           text="=SUM(A1:A9) half done"))  # fmt: skip
    await db.dispose()


async def _prepare(bot) -> None:
    """Salim (national authority, Arabic name) exports; a meeting, an RSVP, a report, an action point."""
    bot.clock.set(APRIL)
    bot.emu.users[SALIM]["first_name"] = "سليم"
    await bot.say(SALIM, SALIM, "/start")
    await bot.say(GROUP, SALIM, "/join national_authority LMAC")
    await bot.say(GROUP, ADMIN, "/approve @salim")
    announcement = await bot.say(GROUP, ADMIN, "/meeting 2027-04-15 09:30 Spring meeting @ LMAC")
    await bot.press(announcement, NADIA, announcement.buttons()[0]["callback_data"])
    await bot.say(GROUP, NADIA, "/report period=2027-03 cancelled=120000 reduced=45000 cleared=38000 cmr=212")
    await _action_point(bot)


async def _documents(bot, chat_id: int, user: int, command: str) -> list:
    seen = bot.snapshot()
    await bot.emu.send(chat_id, user, command)
    await bot.idle()
    await bot.emu.wait_for(lambda m: m.chat_id == chat_id and m.file_name == "reports.csv"
                           and (m.chat_id, m.message_id) not in seen)  # fmt: skip
    return [m for m in bot.replies(chat_id, seen) if m.kind == "document"]


async def test_a_manager_exports_csv_files_that_round_trip(coalition):
    bot = coalition
    await _prepare(bot)
    documents = await _documents(bot, SALIM, SALIM, "/export")
    assert [d.file_name for d in documents] == FILES
    files = {d.file_name: _read(d.file_data) for d in documents}
    members = {row["username"]: row for row in files["members.csv"]}
    assert members["salim"]["name"] == "سليم" and members["salim"]["role"] == "national_authority"
    assert members["nadia"]["organisation"] == "NPA" and members["nadia"]["private_messages"] == "no"
    (meeting,) = files["meetings.csv"]
    assert meeting["meeting"] == "M1" and meeting["starts_at"] == "2027-04-15T09:30+03:00"
    (rsvp,) = files["rsvps.csv"]
    assert (rsvp["meeting"], rsvp["name"], rsvp["organisation"], rsvp["answer"]) == ("M1", "Nadia", "NPA", "yes")
    (point,) = files["action_points.csv"]
    assert (point["action_point"], point["owner"], point["text"], point["created_by"]) == (
        "AP1",
        "NPA",
        "Survey the south, ملخص",
        "Nadia",
    )
    (update,) = files["action_updates.csv"]
    assert update["text"] == "'=SUM(A1:A9) half done"  # a spreadsheet must not run it as a formula
    assert (update["status"], update["percent"], update["author"]) == ("progress", "40", "Nadia")
    (report,) = files["reports.csv"]
    assert (report["period"], report["organisation"], report["cleared"], report["released"], report["cmr"]) == (
        "2027-03",
        "NPA",
        "38000",
        "203000",
        "212",
    )
    assert "Progress reports" in documents[-1].caption and "1 row" in documents[-1].caption


async def test_export_is_for_managers_in_a_private_chat(coalition):
    bot = coalition
    in_group = await bot.say(GROUP, ADMIN, "/export")
    assert "private chat" in in_group.text or "خاصة" in in_group.text
    await bot.say(JOHN, JOHN, "/start")
    donor = await bot.say(JOHN, JOHN, "/export")
    assert "managers" in donor.text
    bot.emu.add_user(1010, "Omar", username="omar")
    stranger = await bot.say(1010, 1010, "/export")
    assert "managers" in stranger.text
    assert not [m for m in bot.emu.sent if m.kind == "document"]


async def test_a_manager_of_several_coalitions_chooses_which(coalition):
    bot = coalition
    await _prepare(bot)
    bot.emu.add_group(-3003, "Laos", admins=[ADMIN], creator=ADMIN)
    await bot.say(-3003, ADMIN, "/setup Laos Asia/Vientiane en")
    await bot.say(-3003, SALIM, "/join facilitator GICHD")
    await bot.say(-3003, ADMIN, "/approve @salim")
    choice = await bot.say(SALIM, SALIM, "/export")
    assert [b["text"] for b in choice.buttons()] == ["Laos", "Lebanon"]
    seen = bot.snapshot()
    await bot.press(choice, SALIM, choice.buttons()[0]["callback_data"])
    await bot.emu.wait_for(lambda m: m.file_name == "reports.csv" and (m.chat_id, m.message_id) not in seen)
    documents = [m for m in bot.replies(SALIM, seen) if m.kind == "document"]
    assert [d.file_name for d in documents] == FILES
    assert _read(documents[-1].file_data) == [] and "Laos" in documents[-1].caption
    forged = {"inline_keyboard": [[{"text": "x", "callback_data": "px:999"}]]}
    choice.reply_markup = choice.message["reply_markup"] = forged
    refused = await bot.press(choice, SALIM, "px:999")
    assert "managers" in refused["text"]


async def test_the_cli_writes_the_same_files(coalition, tmp_path, monkeypatch, capsys):
    bot = coalition
    await _prepare(bot)
    monkeypatch.setenv("DATABASE_URL", bot.settings.database_url)
    # the CLI runs its own event loop, as from a shell: give it a thread
    await asyncio.to_thread(main, ["export", "--chat", str(GROUP), "--out", str(tmp_path / "out")])
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == sorted(FILES)
    assert str(tmp_path / "out" / "reports.csv") in capsys.readouterr().out
    (report,) = _read((tmp_path / "out" / "reports.csv").read_bytes())
    assert report["released"] == "203000"
    with pytest.raises(SystemExit) as exit_:
        await asyncio.to_thread(main, ["export", "--chat", "-42", "--out", str(tmp_path / "none")])
    assert exit_.value.code == 2 and "-42" in capsys.readouterr().err
