"""Start-up and outages as a system administrator sees them (SPEC §2), against the emulator.

Real `coalition-bot run` processes for what happens at start and while polling; the real
application in-process for a database that stops answering while the bot runs.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from telegram import Bot

from bot.config import PROJECT_ROOT
from bot.lifecycle import wait_for_bot_api
from bot.runtime import runtime_of
from bot.store.database import Database
from bot.web.webhook import web_app
from tests.e2e.conftest import GROUP, NADIA, TOKEN, free_port

DEAD_DATABASE = "postgresql+asyncpg://nobody@127.0.0.1:1/gone"  # a real server address where none listens


class Process:
    """A `coalition-bot run` process whose log (stderr) the test reads as it grows."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.log_path = tmp_path / "bot.log"
        with self.log_path.open("w") as log:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                env={
                    **os.environ,
                    "LOG_LEVEL": "INFO",
                    "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
                    **env,
                },
                stdout=log,
                stderr=log,
                cwd=tmp_path,
            )

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    async def wait_for(self, text: str, timeout: float = 60.0) -> str:
        """The log once it contains `text` (fails if the process ends or `timeout` passes first)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while text not in self.log:
            if self.popen.poll() is not None or asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{text!r} never logged; exit {self.popen.poll()}; log:\n{self.log}")
            await asyncio.sleep(0.1)
        return self.log

    async def exit_code(self, timeout: float = 60.0) -> int:
        return await asyncio.to_thread(self.popen.wait, timeout)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@pytest.fixture
def start(emu, db_url, tmp_path):
    started: list[Process] = []

    def _start(**env: str) -> Process:
        process = Process(
            tmp_path, {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": emu.base_url, "DATABASE_URL": db_url} | env
        )
        started.append(process)
        return process

    yield _start
    for process in started:
        process.stop()


async def test_a_bot_api_that_fails_at_start_is_retried_and_one_line_says_when_it_answers(emu, start):
    emu.fail_next("getMe", 502, times=2)
    process = start()
    log = await process.wait_for("long polling")
    warnings = [line for line in log.splitlines() if "does not answer" in line]
    assert len(warnings) == 2 and all(" WARNING " in line for line in warnings)
    assert "attempt 1, retrying in 1 s" in warnings[0] and "attempt 2, retrying in 2 s" in warnings[1]
    assert "the Bot API answers again after 2 failed attempts" in log
    started = next(line for line in log.splitlines() if "long polling" in line)
    assert "@" in started and ("sqlite" in started or "postgresql" in started)
    assert "Traceback" not in log and " ERROR " not in log
    process.stop()
    assert process.popen.returncode == 0, process.log


async def test_a_stop_signal_while_polling_starts_is_a_clean_stop(emu, start):
    """The Bot API answers getMe, then fails deleteWebhook: start-up keeps retrying, and a
    SIGTERM in the middle of it stops the bot without a traceback (it once raised
    "This Application is still running!" and exited 1)."""
    emu.fail_next("deleteWebhook", 502, times=1000)
    process = start()
    await process.wait_for("long polling")
    async with asyncio.timeout(30):
        while sum(r.method == "deleteWebhook" for r in emu.requests) < 2:  # retried, so still starting
            assert process.popen.poll() is None, process.log
            await asyncio.sleep(0.1)
    process.stop()
    assert process.popen.returncode == 0, process.log
    assert "Traceback" not in process.log and " ERROR " not in process.log
    assert not any(r.method == "getUpdates" for r in emu.requests)  # stopped before polling began


@pytest.mark.parametrize("setting", ["token", "base URL"])
async def test_a_wrong_token_or_base_url_is_one_line_and_exit_2(emu, start, setting):
    env = {"TELEGRAM_BOT_TOKEN": "not-a-token"} if setting == "token" else {"TELEGRAM_API_BASE_URL": emu.base_url[:-3]}
    process = start(**env)
    assert await process.exit_code() == 2
    lines = process.log.strip().splitlines()
    assert lines[-1].startswith("coalition-bot: Telegram refused the token") and "TELEGRAM_API_BASE_URL" in lines[-1]
    assert "Traceback" not in process.log


async def test_a_polling_outage_is_one_warning_and_one_line_when_it_ends(emu, start):
    process = start()
    await process.wait_for("long polling")
    emu.fail_next("getUpdates", 502, times=3)
    log = await process.wait_for("polling Telegram works again")
    assert log.count("polling Telegram failed") == 1
    assert "Traceback" not in log and " ERROR " not in log


async def test_a_database_outage_while_running_is_answered_and_then_healed(bot, coalition):
    runtime = runtime_of(bot.app)
    working = runtime.db
    port = free_port()
    runner = aiohttp.web.AppRunner(web_app(bot.app, "secret", "/hook"))
    await runner.setup()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with aiohttp.ClientSession() as http:
            runtime.db = Database(DEAD_DATABASE)
            try:
                reply = await bot.say(NADIA, NADIA, "/help")
                assert "momentanément indisponible" in reply.content  # Nadia reads French
                answer = await bot.say(GROUP, NADIA, "/members")
                assert "momentanément indisponible" in answer.content
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    assert response.status == 503
                with pytest.raises(OSError):  # the dispatcher's tick fails; its next one will do the work
                    await bot.dispatcher.tick()
            finally:
                await runtime.db.dispose()
                runtime.db = working
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
            reply = await bot.say(NADIA, NADIA, "/help")
            assert "indisponible" not in reply.content and "/help" not in reply.content[:1]
            await bot.dispatcher.tick()
    finally:
        await runner.cleanup()


async def test_an_unknown_command_gets_a_hint_in_private_and_silence_in_the_group(coalition):
    bot = coalition
    reply = await bot.say(NADIA, NADIA, "/meetngs")  # a typo
    assert reply.content == "Je ne connais pas cette commande. /help indique ce que vous pouvez faire ici."
    seen = bot.snapshot()
    await bot.emu.send(GROUP, NADIA, "/meetngs")
    await bot.idle()
    await bot.emu.send(GROUP, NADIA, "/members")  # answered: so the /meetngs before it was handled, silently
    await bot.idle()
    replies = bot.replies(GROUP, seen)
    assert len(replies) == 1 and "ne connais pas" not in replies[0].content


async def test_the_start_up_wait_backs_off_to_a_minute_and_warns_every_ten_minutes_later(emu, caplog):
    """The backoff's clock is the test's: 40 refusals are 40 attempts over half an hour of it."""
    emu.fail_next("getMe", 502, times=40)
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    bot = Bot(TOKEN, base_url=emu.base_url)
    with caplog.at_level(logging.INFO, logger="bot.lifecycle"):
        await wait_for_bot_api(bot, sleep=sleep, monotonic=lambda: now[0])
    await bot.shutdown()
    assert waits[:8] == [1, 2, 4, 8, 16, 32, 60, 60] and set(waits[6:]) == {60}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    # attempts at 0, 1, 3, 7, 15, 31, 63, 123 … 543 s: all 15 warned; then every minute, one
    # warning per ten minutes (at 1143 and 1743 s); the 40th and last refusal comes at 2043 s
    assert len(warnings) == 17 and "attempt 40" not in warnings[-1].getMessage()
    assert "attempt 35," in warnings[-1].getMessage()
    assert caplog.records[-1].getMessage() == "the Bot API answers again after 40 failed attempts"
