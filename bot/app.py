"""The composition root: builds the configured PTB `Application` and wires everything.

This is the only place that knows every part: settings, database, catalogs, clock,
handlers, jobs. Nothing else holds global state.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

import handlers
import jobs
from bot.clock import Clock
from bot.config import Settings
from bot.i18n import SUPPORTED, Catalogs
from bot.lifecycle import PollingRequest, PollingWatch
from bot.runtime import RUNTIME_KEY, BotContext, Runtime, runtime_of
from bot.store.database import Database
from bot.views.commands import menu
from bot.web import dashboard

log = logging.getLogger(__name__)

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
        .post_shutdown(_post_shutdown)
    )
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=5))  # type: ignore[arg-type]  # PTB types the builder's limiter data as None
    application = builder.build()
    application.bot_data[RUNTIME_KEY] = Runtime(
        settings=settings,
        db=Database(settings.database_url),
        catalogs=Catalogs(settings.locales_dir),
        clock=clock or Clock(),
        polling=polling,
    )
    handlers.register(application)
    jobs.register(application)
    return application


async def _post_init(application: Application) -> None:
    await set_command_menus(application)
    await jobs.start(application)
    if runtime_of(application).settings.public_url:
        await dashboard.start(application)


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
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        assert application.updater is not None  # built by ApplicationBuilder unless told not to
        await application.updater.start_polling(
            poll_interval=0.0,
            timeout=poll_timeout,
            allowed_updates=ALLOWED_UPDATES,
            error_callback=runtime_of(application).polling.failed,
        )
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
