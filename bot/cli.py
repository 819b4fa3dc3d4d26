"""The `coalition-bot` command: run, webhook, demo, db upgrade, export.

Every failure a user can mend is one line on stderr and a non-zero exit, never a traceback:
2 for what the user must change (a setting, the token, a path), 1 for a database that does
not answer.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from bot import __version__
from bot.config import Settings, describe_error, environment_variables
from bot.i18n import CatalogsMissing
from bot.lifecycle import Fatal

if TYPE_CHECKING:
    from telegram.ext import Application

log = logging.getLogger("bot.cli")

COMMON = ("database_url", "log_level", "database_wait_seconds")
TELEGRAM = ("telegram_bot_token", "telegram_api_base_url")
BOT = ("concern_secret", "reminder_lease_seconds", "bulk_messages_per_second", "locales_dir")
ENVIRONMENT = {
    "run": (*TELEGRAM, *COMMON, *BOT),
    "webhook": (*TELEGRAM, "webhook_url", "webhook_secret", "port", *COMMON, *BOT),
    "demo": ("log_level", "locales_dir"),
    "db": COMMON,
    "export": COMMON,
}


def _configure_logging(settings: Settings, *, level: str | None = None) -> None:
    """Logs go to stderr, so that stdout carries only what a command prints (the demo's transcript)."""
    logging.basicConfig(
        level=level or settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "alembic.runtime.plugins", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # PTB logs whole updates (message texts, senders) at DEBUG: never, even with LOG_LEVEL=DEBUG,
    # since an anonymous concern's text next to its sender would undo its anonymity (SPEC §8)
    for chatty in ("telegram", "telegram.ext"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.getLogger().level))
    # its one ERROR is a traceback for a reply that is not JSON (a wrong base URL's 404 page),
    # always raised to us as well, and reported there in one line
    logging.getLogger("telegram.request").setLevel(logging.CRITICAL)


def _require(settings: Settings, *names: str, purpose: str) -> None:
    missing = [name.upper() for name in names if not getattr(settings, name)]
    if missing:
        raise Fatal(f"set {' and '.join(missing)} to {purpose}.", 2)


async def _ready_database(settings: Settings) -> None:
    """Wait for the database (SPEC §2: 60 s by default), then bring its schema to the head."""
    from bot.lifecycle import wait_for_database
    from bot.store.database import Database
    from bot.store.migrate import upgrade

    await wait_for_database(settings.database_url, wait_seconds=settings.database_wait_seconds)
    db = Database(settings.database_url)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()


async def _start_bot(settings: Settings, mode: str) -> Application:
    """Database ready, Telegram answering, one line saying which bot, which database, which mode."""
    from bot.app import build_application
    from bot.lifecycle import safe_url, wait_for_bot_api

    application = build_application(settings)  # loads the catalogs: a broken installation stops here
    await _ready_database(settings)
    await wait_for_bot_api(application.bot)
    log.info("@%s on %s, %s", application.bot.username, safe_url(settings.database_url), mode)
    return application


async def _run(settings: Settings) -> None:
    from bot.app import running

    _require(settings, "telegram_bot_token", purpose="run the bot (the token from @BotFather)")
    application = await _start_bot(settings, "long polling")
    async with running(application):
        await asyncio.Future()  # until a signal cancels it


async def _webhook(settings: Settings) -> None:
    from bot.web.webhook import serve

    _require(settings, "telegram_bot_token", purpose="run the bot (the token from @BotFather)")
    _require(settings, "webhook_url", "webhook_secret", purpose="run the webhook server")
    url, secret = settings.webhook_url or "", settings.webhook_secret or ""  # both set: _require said so
    application = await _start_bot(settings, f"webhook {url} on port {settings.port}")
    await serve(application, url=url, secret=secret, port=settings.port)


async def _db_upgrade(settings: Settings) -> None:
    await _ready_database(settings)
    log.info("the database schema is up to date")


async def _demo(settings: Settings, out: Path | None) -> None:
    from bot.demo.runner import run_demo

    await run_demo(settings, charts=out)


async def _export(settings: Settings, chat_id: int, out: Path) -> None:
    from bot.lifecycle import wait_for_database
    from bot.services.export import export_to_directory
    from bot.store.migrate import schema_is_current

    if out.exists() and not out.is_dir():
        raise Fatal(f"{out} exists and is not a directory: choose another --out.", 2)
    try:  # before the database is read, so that a typo in --out costs nothing
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise Fatal(f"cannot write into {out}: {error.strerror or error}.", 2) from None
    if not settings.database_url.startswith("sqlite"):  # a SQLite file is not waited for, nor created
        await wait_for_database(settings.database_url, wait_seconds=settings.database_wait_seconds)
    if not await schema_is_current(settings.database_url):
        raise Fatal("the database has no up-to-date schema: run `coalition-bot db upgrade` first.", 2)
    try:
        paths = await export_to_directory(settings.database_url, chat_id, out)
    except LookupError:
        raise Fatal(f"no coalition is registered for chat {chat_id}.", 2) from None
    except OSError as error:
        raise Fatal(f"cannot write into {out}: {error.strerror or error}.", 2) from None
    for path in paths:
        print(path)


def _parser() -> argparse.ArgumentParser:
    def sub(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help_text,
            description=help_text[0].upper() + help_text[1:] + ".",
            epilog="environment variables (also read from a .env file in the working directory):\n"
            + environment_variables(*ENVIRONMENT[name]),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    parser = argparse.ArgumentParser(
        prog="coalition-bot",
        description="Telegram bot of a Country Coalition under the Convention on Cluster Munitions.",
        epilog="`coalition-bot COMMAND --help` lists the environment variables each command reads.",
    )
    parser.add_argument("--version", action="version", version=f"coalition-bot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub("run", "apply the migrations, then run the bot with long polling")
    sub("webhook", "apply the migrations, then run the bot as a webhook server behind a TLS proxy")
    demo = sub("demo", "play a scripted coalition against the built-in Bot API emulator and print the conversation")
    demo.add_argument("--verbose", action="store_true", help="show the log lines (on stderr; otherwise only errors)")
    demo.add_argument("--out", type=Path, metavar="DIR", help="also write the charts the bot sends into DIR")
    db = sub("db", "database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply the schema migrations")
    export = sub("export", "write one coalition's records as CSV files")
    export.add_argument("--chat", type=int, required=True, help="the coalition's Telegram group id")
    export.add_argument("--out", type=Path, required=True, metavar="DIR", help="directory for the CSV files")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        _fail(describe_error(error), 2)
    if args.command == "demo":
        _configure_logging(settings, level=None if args.verbose else "ERROR")  # only what went wrong
    else:
        _configure_logging(settings)
    work = {
        "run": lambda: _run(settings),
        "webhook": lambda: _webhook(settings),
        "demo": lambda: _demo(settings, args.out),
        "db": lambda: _db_upgrade(settings),
        "export": lambda: _export(settings, args.chat, args.out),
    }[args.command]
    try:
        asyncio.run(_until_signalled(work()))
    except Fatal as error:
        _fail(str(error), error.exit_code)
    except CatalogsMissing as error:
        _fail(str(error), 2)
    except KeyboardInterrupt:
        raise SystemExit(130) from None


async def _until_signalled(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` until it ends or SIGINT/SIGTERM cancels it, at start-up too (a normal stop, exit 0)."""
    task = asyncio.current_task()
    assert task is not None  # asyncio.run's main task
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():  # signals reach only the main thread
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
    try:
        await work
    except asyncio.CancelledError:
        log.info("stopped")


def _fail(message: str, code: int) -> None:
    print(f"coalition-bot: {message}", file=sys.stderr)
    raise SystemExit(code)


if __name__ == "__main__":
    main()
