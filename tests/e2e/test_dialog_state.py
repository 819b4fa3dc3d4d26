"""SPEC §3 "Dialog state" end to end: two webhook instances on one database behind a
(simulated) load balancer that sends each update to whichever instance it likes. The steps
of /meeting and /report, and a report waiting for its "replace?" button, are rows of our own
tables, so every step works whichever instance it reaches, and the state expires after 15
minutes. The /concern dialog is the exception: in memory, and a step reaching the other
instance says why in one line."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import aiohttp
import pytest

from bot.app import build_application
from bot.emulator.entities import auto_entities
from bot.models import Concern, DialogState, Meeting, ProgressReport
from bot.web.webhook import SECRET_HEADER, serve
from jobs import housekeeping
from tests.e2e.conftest import ADMIN, GROUP, NADIA, free_port, make_settings, wait_healthy

SECRET = "dialog-secret"
CLAIRE = 1005


class Balancer:
    """Two webhook instances of the real bot; each update goes to the instance chosen."""

    def __init__(self, emu, http, ports, apps) -> None:
        self.emu, self.http, self.ports, self.apps = emu, http, ports, apps
        self.ids = itertools.count(1)

    async def post(self, instance: int, update: dict) -> None:
        update["update_id"] = next(self.ids)
        url = f"http://127.0.0.1:{self.ports[instance]}/hook"
        async with self.http.post(url, json=update, headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 200
        # applied before the 200; what it says leaves afterwards, through that instance's sender
        await asyncio.wait_for(self.apps[instance].bot_data["runtime"].sender.idle(), 10)

    async def say(self, instance: int, chat_id: int, user_id: int, text: str, reply_to: int | None = None):
        """A message written in the emulator's chat, delivered to one instance; the bot's next reply."""
        chat = self.emu.chats[chat_id]
        if chat_id == user_id:
            self.emu.started.add(user_id)  # writing to the bot privately lets it answer
        replied = chat.messages.get(reply_to) if reply_to else None
        message = self.emu.new_message(
            chat, self.emu.users[user_id], reply_to=replied, text=text, entities=auto_entities(text)
        )
        seen = {(m.chat_id, m.message_id) for m in self.emu.sent}
        await self.post(instance, {"message": message})
        return await self.emu.wait_for(lambda m: m.chat_id == chat_id and (m.chat_id, m.message_id) not in seen)

    async def press(self, instance: int, sent, user_id: int, data: str) -> dict:
        query_id = str(5_000_000_000 + next(self.ids))
        self.emu.open_callbacks.add(query_id)
        chat = self.emu.chats[sent.chat_id]
        update = {
            "callback_query": {
                "id": query_id,
                "from": self.emu.users[user_id],
                "message": chat.messages[sent.message_id],
                "chat_instance": "1",
                "data": data,
            }
        }
        await self.post(instance, update)
        return await self.emu.wait_callback_answer(query_id)

    def rows(self, model):
        return asyncio.ensure_future(_rows(self.apps[0], model))


async def _rows(app, model):
    from sqlmodel import select

    async with app.bot_data["runtime"].db.transaction() as session:
        return list((await session.exec(select(model))).all())


@pytest.fixture
async def balancer(emu, db_url, clock):
    ports = [free_port(), free_port()]
    apps = [build_application(make_settings(emu, db_url), clock=clock, rate_limit=False) for _ in ports]
    stops = [asyncio.Event() for _ in ports]
    tasks = [
        asyncio.create_task(
            serve(app, url="https://bot.example.org/hook", secret=SECRET, port=port, host="127.0.0.1", stop=stop)
        )
        for app, port, stop in zip(apps, ports, stops, strict=True)
    ]
    async with aiohttp.ClientSession() as http:
        for port in ports:
            await wait_healthy(http, port)
        emu.add_user(CLAIRE, "Claire", last_name="Dubois", username="claire", language_code="en")
        emu.chats[GROUP].members[CLAIRE] = "member"
        lb = Balancer(emu, http, ports, apps)
        await lb.say(0, GROUP, ADMIN, "/setup Lebanon Asia/Beirut en")
        await lb.say(1, GROUP, NADIA, "/join operator NPA")
        await lb.say(0, GROUP, ADMIN, "/approve @nadia")  # her organisation confirmed (SPEC §3)
        yield lb
    for stop in stops:
        stop.set()
    await asyncio.gather(*tasks)
    assert [(r.method, r.error) for r in emu.rejected] == []


async def test_each_meeting_step_may_reach_either_instance(balancer, clock):
    lb = balancer
    ask = await lb.say(0, GROUP, ADMIN, "/meeting")
    ask = await lb.say(1, GROUP, ADMIN, "2027-03-10 09:00", reply_to=ask.message_id)
    ask = await lb.say(0, GROUP, ADMIN, "Spring meeting", reply_to=ask.message_id)
    announcement = await lb.say(1, GROUP, ADMIN, "Beirut", reply_to=ask.message_id)
    assert "M1" in announcement.text and "Spring meeting" in announcement.text
    (meeting,) = await lb.rows(Meeting)
    assert (meeting.title, meeting.location) == ("Spring meeting", "Beirut")
    (state,) = await lb.rows(DialogState)
    assert (state.name, state.step, state.chat_id, state.tg_user_id) == ("meeting", "done", GROUP, ADMIN)


async def test_each_report_step_and_the_replace_button_may_reach_either_instance(balancer):
    lb = balancer
    ask = await lb.say(1, GROUP, NADIA, "/report")
    for i, answer in enumerate(
        ["2026-12", "120", "45000", "38000", "0", "0", "0", "0", "0"]
    ):  # … found (SPEC §14) last
        ask = await lb.say(i % 2, GROUP, NADIA, answer, reply_to=ask.message_id)
    assert "recorded" in ask.text
    (report,) = await lb.rows(ProgressReport)
    assert (report.cancelled, report.reduced, report.cleared) == (120, 45000, 38000)
    question = await lb.say(0, GROUP, NADIA, "/report period=2026-12 cleared=40000")
    replace = question.buttons()[0]["callback_data"]
    assert "40,000" not in (await lb.press(1, question, ADMIN, replace)).get("text", "")  # not Nadia's: refused
    await lb.press(1, question, NADIA, replace)
    (report,) = await lb.rows(ProgressReport)
    assert report.cleared == 40000


async def test_a_dialog_expires_after_fifteen_minutes(balancer, clock):
    lb = balancer
    await lb.say(0, GROUP, ADMIN, "/meeting")
    clock.advance(timedelta(minutes=16))
    await housekeeping.run(_Context(lb.apps[1]))
    assert await lb.rows(DialogState) == []
    seen = {(m.chat_id, m.message_id) for m in lb.emu.sent}
    await lb.post(1, {"message": lb.emu.new_message(lb.emu.chats[GROUP], lb.emu.users[ADMIN], text="2027-03-10 09:00")})
    await asyncio.sleep(0.3)
    assert [m for m in lb.emu.sent if (m.chat_id, m.message_id) not in seen] == []  # a plain message now
    assert await lb.rows(Meeting) == []


async def test_the_concern_dialog_stays_in_memory_and_another_instance_says_why(balancer):
    lb = balancer
    await lb.say(0, GROUP, ADMIN, "/role @nadia facilitator")
    await lb.say(0, GROUP, CLAIRE, "/join operator GICHD")
    for user in (NADIA, CLAIRE):
        await lb.say(0, user, user, "/start")
    ask = await lb.say(0, CLAIRE, CLAIRE, "/concern")
    lost = await lb.say(1, CLAIRE, CLAIRE, "Tasking is delayed.", reply_to=ask.message_id)
    assert "start again" in lost.text
    recipients = await lb.say(0, CLAIRE, CLAIRE, "/concern Tasking is delayed.")
    answer = await lb.press(1, recipients, CLAIRE, recipients.buttons()[0]["callback_data"])
    assert "memory" in answer["text"] and "/concern" in answer["text"]
    assert await lb.rows(Concern) == [] and await lb.rows(DialogState) == []
    await lb.press(0, recipients, CLAIRE, recipients.buttons()[0]["callback_data"])
    assert len(await lb.rows(Concern)) == 1


class _Context:
    def __init__(self, app) -> None:
        self.bot_data = app.bot_data

    @property
    def runtime(self):
        return self.bot_data["runtime"]
