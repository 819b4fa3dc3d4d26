"""The composition root: builds the configured PTB `Application` and wires everything.

This is the only place that knows every part: settings, database, catalogs, clock,
handlers, jobs. Nothing else holds global state.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from telegram import BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

import handlers
import jobs
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import SUPPORTED, Catalogs
from bot.lifecycle import PollingRequest, PollingWatch
from bot.outbox.announcements import COMPLETION as ANNOUNCEMENT
from bot.outbox.announcements import AnnouncementRefresher
from bot.outbox.durable import DurableOutbox
from bot.outbox.sender import Limits, Sender
from bot.runtime import RUNTIME_KEY, BotContext, Runtime, runtime_of
from bot.runtime.order import ChatOrder
from bot.runtime.throttle import CommandThrottle
from bot.services import coalitions as coalition_service
from bot.services import members as member_service
from bot.store.database import Database
from bot.views.commands import menu
from bot.web import dashboard

log = logging.getLogger(__name__)

SHUTDOWN_GRACE = 5.0
ALLOWED_UPDATES: list[str] = list(Update.ALL_TYPES)
"""Named explicitly when polling: without it Telegram keeps whatever an earlier run asked for,
and agenda polls need `poll` and `poll_answer` updates (as the webhook does, every type)."""


def build_application(settings: Settings, *, clock: Clock | None = None, rate_limit: bool = True) -> Application:
    """The bot, ready to `initialize()`; `post_init` registers the command menus."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    if settings.concern_secret:
        log.warning(
            "CONCERN_SECRET is set but ignored: the concern limiter's keys now live only in memory "
            "(SPEC §8); remove it from the configuration"
        )
    polling = PollingWatch()
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .context_types(ContextTypes(context=BotContext))
        .get_updates_request(PollingRequest(polling))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if settings.update_concurrency > 1:
        builder = builder.concurrent_updates(ChatOrder(settings.update_concurrency))
    application = builder.build()
    application.bot_data[RUNTIME_KEY] = _runtime(application, settings, clock or Clock(), rate_limit, polling)
    handlers.register(application)
    jobs.register(application)
    return application


def _runtime(
    application: Application, settings: Settings, clock: Clock, rate_limit: bool, polling: PollingWatch
) -> Runtime:
    """The way out is built here: the sender (Telegram's limits applied by it, not by PTB's
    limiter, which would make handlers wait), the durable outbox over it, the announcements."""
    db = Database(settings.database_url)
    catalogs = Catalogs(settings.locales_dir)
    limits = Limits(bulk_per_second=settings.bulk_messages_per_second)
    if not rate_limit:  # tests and benchmarks against an emulator without flood control
        limits = Limits(global_per_second=10_000, bulk_per_second=10_000, group_per_minute=10_000, private_interval=0)

    async def migrated(old_id: int, new_id: int) -> None:
        async with db.transaction() as session:
            await coalition_service.migrate(session, old_id, new_id)

    async def unreachable(chat_id: int) -> None:
        async with db.transaction() as session:
            await member_service.mark_unreachable(session, chat_id)

    sender = Sender(lambda: application.bot, clock, limits, on_migrated=migrated, on_unreachable=unreachable)
    announcements = AnnouncementRefresher(db, catalogs, sender)
    # host and pid make `claimed_by` tell an operator which process holds a row
    worker = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    outbox = DurableOutbox(
        db,
        sender,
        clock,
        worker,
        {ANNOUNCEMENT: announcements.posted, **handlers.COMPLETIONS},
        lease=timedelta(seconds=settings.reminder_lease_seconds),
    )
    throttle = CommandThrottle(settings.commands_per_minute)
    return Runtime(
        settings, db, catalogs, clock, sender, outbox, announcements, worker, throttle=throttle, polling=polling
    )


async def _post_init(application: Application) -> None:
    runtime = runtime_of(application)
    runtime.sender.start()
    await runtime.outbox.resume()  # what a previous run committed but did not send
    await set_command_menus(application)
    await jobs.start(application)
    if runtime_of(application).settings.public_url:
        await dashboard.start(application)


async def _post_stop(application: Application) -> None:
    """Give what is queued a moment to leave while the bot can still send (durable rows stay)."""
    sender = runtime_of(application).sender
    try:
        await asyncio.wait_for(sender.idle(), SHUTDOWN_GRACE)
    except TimeoutError:
        log.warning("stopping with messages still queued; durable ones are sent on the next start")
    await sender.stop()


async def _post_shutdown(application: Application) -> None:
    await dashboard.stop(application)
    await runtime_of(application).db.dispose()


async def set_command_menus(application: Application) -> None:
    """One menu per language and chat type, plus language-less defaults in English."""
    catalogs = runtime_of(application).catalogs
    bot = application.bot
    for code in (None, *SUPPORTED):
        t = catalogs.lang(code)
        await bot.set_my_commands(menu(t, private=True), scope=BotCommandScopeAllPrivateChats(), language_code=code)
        await bot.set_my_commands(menu(t, private=False), scope=BotCommandScopeAllGroupChats(), language_code=code)


@asynccontextmanager
async def running(application: Application, *, poll_timeout: int = 10) -> AsyncIterator[Application]:
    """Run the application on long polling inside an existing event loop (demo, tests, bench).

    `coalition-bot run` uses it too, rather than `run_polling`, whose polling errors reach the
    error handler as tracebacks: here an outage is one WARNING and one line when it ends.
    """
    updater = application.updater
    assert updater is not None  # built by ApplicationBuilder unless told not to
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        try:
            await application.start()
            await updater.start_polling(
                poll_interval=0.0,
                timeout=poll_timeout,
                bootstrap_retries=-1,  # the Bot API answered getMe: a failing deleteWebhook is retried, not fatal
                allowed_updates=ALLOWED_UPDATES,
                error_callback=runtime_of(application).polling.failed,
            )
            yield application
        finally:  # also when a signal cancels start-up half-way: stop only what runs
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
                if application.post_stop:
                    await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
