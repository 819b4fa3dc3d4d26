"""The `coalition-bot` command (SPEC §2)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import Settings


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "alembic.runtime.plugins", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # PTB logs whole updates (message texts, senders) at DEBUG: never, even with LOG_LEVEL=DEBUG,
    # since an anonymous concern's text next to its sender would undo its anonymity (SPEC §8)
    for chatty in ("telegram", "telegram.ext"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.getLogger().level))


def _require_token(settings: Settings) -> None:
    if not settings.telegram_bot_token:
        print("coalition-bot: set TELEGRAM_BOT_TOKEN (the token from @BotFather) to run the bot.", file=sys.stderr)
        raise SystemExit(2)


def _db_upgrade(settings: Settings) -> None:
    from bot.store.database import Database
    from bot.store.migrate import upgrade

    async def _go() -> None:
        db = Database(settings.database_url)
        try:
            await upgrade(db.engine)
        finally:
            await db.dispose()

    asyncio.run(_go())


def _run(settings: Settings) -> None:
    from bot.app import ALLOWED_UPDATES, build_application

    _require_token(settings)
    _db_upgrade(settings)
    build_application(settings).run_polling(allowed_updates=ALLOWED_UPDATES)


def _webhook(settings: Settings) -> None:
    from bot.app import build_application
    from bot.web.webhook import serve

    _require_token(settings)
    url, secret = settings.webhook_url, settings.webhook_secret
    missing = [name for name, value in (("webhook_url", url), ("webhook_secret", secret)) if not value]
    if missing or url is None or secret is None:
        names = " and ".join(name.upper() for name in missing)
        print(f"coalition-bot: set {names} to run the webhook server.", file=sys.stderr)
        raise SystemExit(2)
    _db_upgrade(settings)
    asyncio.run(serve(build_application(settings), url=url, secret=secret, port=settings.port))


def _demo(settings: Settings) -> None:
    from bot.demo.runner import run_demo

    asyncio.run(run_demo(settings))


def _export(settings: Settings, chat_id: int, out: str) -> None:
    from pathlib import Path

    from bot.services.export import export_to_directory

    try:
        paths = asyncio.run(export_to_directory(settings.database_url, chat_id, Path(out)))
    except LookupError:
        print(f"coalition-bot: no coalition is registered for chat {chat_id}.", file=sys.stderr)
        raise SystemExit(2) from None
    for path in paths:
        print(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="coalition-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run the bot with long polling")
    commands.add_parser("webhook", help="run the bot as a webhook server (WEBHOOK_URL, WEBHOOK_SECRET, PORT)")
    commands.add_parser("demo", help="play a scripted coalition against the built-in Bot API emulator")
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"], help="apply schema migrations")
    export = commands.add_parser("export", help="write one coalition's records as CSV files")
    export.add_argument("--chat", type=int, required=True, help="the coalition's Telegram group id")
    export.add_argument("--out", required=True, help="directory for the CSV files")
    args = parser.parse_args(argv)

    settings = Settings()
    _configure_logging(settings)
    if args.command == "run":
        _run(settings)
    elif args.command == "webhook":
        _webhook(settings)
    elif args.command == "demo":
        _demo(settings)
    elif args.command == "db":
        _db_upgrade(settings)
    elif args.command == "export":
        _export(settings, args.chat, args.out)


if __name__ == "__main__":
    main()
