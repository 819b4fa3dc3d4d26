"""`coalition-bot webhook`: the bot behind a reverse proxy, on aiohttp (SPEC §2, §11).

Telegram POSTs each update to `WEBHOOK_URL`; requests without the right
`X-Telegram-Bot-Api-Secret-Token` are refused with 403 and nothing is processed. An update
is processed *before* the 200 is returned, so an instance that dies mid-update makes
Telegram retry it (possibly on another instance); `handlers.turn` records each update id in
the same transaction as its effects, so a retried update is never applied twice. Several
instances can therefore share one PostgreSQL database behind one load balancer.
`GET /healthz` answers 200 when the database answers.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import text
from telegram import Update
from telegram.ext import Application

from bot.runtime import runtime_of

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def web_app(application: Application, secret: str, path: str) -> web.Application:
    """The aiohttp app: the update endpoint at `path` and a health check."""

    async def receive(request: web.Request) -> web.Response:
        # bytes, not str: compare_digest refuses non-ASCII text, and a header may carry any byte
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, secret.encode()):
            return web.Response(status=403, text="forbidden")
        try:
            body = await request.json()
            if not isinstance(body, dict) or type(body.get("update_id")) is not int:
                raise ValueError("not an object with an update_id")
            update = Update.de_json(body, application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return web.Response(status=400, text="not an update")
        # through the same update processor as polling: one chat's updates one at a time, in the
        # order they reach this server (Telegram posts over several connections at once); the
        # answer waits until the update is applied, so Telegram retries what was not
        await application.update_processor.process_update(update, application.process_update(update))
        return web.Response(text="ok")

    async def health(_request: web.Request) -> web.Response:
        try:
            async with runtime_of(application).db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:  # the check's whole point is to report any failure
            return web.Response(status=503, text=f"database unavailable: {type(error).__name__}")
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health)
    return app


async def serve(
    application: Application,
    *,
    url: str,
    secret: str,
    port: int,
    host: str = "0.0.0.0",
    stop: asyncio.Event | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or `stop`): initialise the bot, register the webhook, serve."""
    path = urlsplit(url).path or "/"
    runner = web.AppRunner(web_app(application, secret, path))
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await application.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        log.info("webhook listening on %s:%d%s", host, port, path)
        if stop is None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
        if application.running:
            await application.stop()
            if application.post_stop:  # lets queued replies leave while the bot can still send
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
