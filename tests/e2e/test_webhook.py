"""`coalition-bot webhook`: secret token, health check, exactly-once application of updates."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from bot.app import build_application
from bot.web.webhook import SECRET_HEADER, serve
from tests.e2e.conftest import JOHN, free_port, make_settings, wait_healthy

SECRET = "s3cret-token_value"


def _update(update_id: int, text: str) -> dict:
    user = {"id": JOHN, "is_bot": False, "first_name": "John", "username": "john", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": JOHN, "type": "private", "first_name": "John"},
            "from": user,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


@pytest.fixture
async def webhook(emu, db_url, clock):
    port = free_port()
    public = "https://coalition.example.org/telegram/hook"  # what Telegram calls (the reverse proxy)
    url = f"http://127.0.0.1:{port}/telegram/hook"  # where the proxy forwards to
    application = build_application(make_settings(emu, db_url), clock=clock, rate_limit=False)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(application, url=public, secret=SECRET, port=port, host="127.0.0.1", stop=stop))
    async with aiohttp.ClientSession() as http:
        await wait_healthy(http, port)
        emu.started.add(JOHN)
        yield http, url, port
    stop.set()
    await task


async def test_the_webhook_is_registered_with_the_secret(webhook, emu):
    call = next(r for r in emu.requests if r.method == "setWebhook")
    assert call.params["url"] == "https://coalition.example.org/telegram/hook"
    assert call.params["secret_token"] == SECRET


async def test_requests_without_the_secret_are_refused_and_not_processed(webhook, emu):
    http, url, _ = webhook
    async with http.post(url, json=_update(1, "/help")) as response:
        assert response.status == 403
    async with http.post(url, json=_update(2, "/help"), headers={SECRET_HEADER: "wrong"}) as response:
        assert response.status == 403
    assert [m for m in emu.sent if m.chat_id == JOHN] == []


async def test_an_update_is_applied_once_even_when_delivered_twice(webhook, emu):
    http, url, _ = webhook
    for _ in range(2):  # Telegram retries when it did not get our 200 in time
        async with http.post(url, json=_update(10, "/start"), headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 200
    replies = [m for m in emu.sent if m.chat_id == JOHN]
    assert len(replies) == 1 and "Thank you" in replies[0].text


async def test_health_check(webhook):
    http, _, port = webhook
    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
        assert response.status == 200 and await response.text() == "ok"


async def _raw_post(port: int, path: str, secret: bytes, body: bytes) -> int:
    """An HTTP request written byte by byte, so a header can carry what clients refuse to send."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST "
        + path.encode()
        + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + SECRET_HEADER.encode()
        + b": "
        + secret
        + b"\r\n"
        + b"Content-Length: "
        + str(len(body)).encode()
        + b"\r\nConnection: close\r\n\r\n"
        + body
    )
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_malformed_requests_get_403_or_400_and_never_a_traceback(webhook, emu, caplog):
    """Security review #16: a non-ASCII secret header, or JSON that is not an update object."""
    http, url, port = webhook
    path = url.removeprefix(f"http://127.0.0.1:{port}")
    body = b'{"update_id": 1}'
    assert await _raw_post(port, path, "s3crét".encode(), body) == 403
    assert await _raw_post(port, path, b"\xff\xfe", body) == 403
    assert await _raw_post(port, path, SECRET.encode() + "é".encode(), body) == 403
    for payload in ([], "x", 3, None, {}, {"update_id": "7"}, {"update_id": 8, "message": "not a message"}):
        async with http.post(url, json=payload, headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 400, payload
    async with http.post(url, data=b"{not json", headers={SECRET_HEADER: SECRET}) as response:
        assert response.status == 400
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info] == []
    assert [m for m in emu.sent if m.chat_id == JOHN] == []
