"""Configuration read from the environment (and a `.env` file) with pydantic-settings.

Everything that differs between a developer laptop, CI and production lives here and
nowhere else, so the composition root (`bot.app`) is the only reader of the environment.
Each field's description is what `--help` and `.env.example` say about its variable.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The source checkout's root, for tests and benchmarks; the installed bot never reads it."""

DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
SHOWN = (
    "port",
    "log_level",
    "database_wait_seconds",
    "reminder_lease_seconds",
    "bulk_messages_per_second",
    "concurrent_updates",
)
"""Settings whose wrong value an error message may repeat (a URL may hold a password, a token is secret)."""


class Settings(BaseSettings):
    """Runtime settings; names match the environment variables of SPEC §2."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: str | None = Field(default=None, description="the bot's token from @BotFather (run, webhook)")
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL (a self-hosted Bot API server, an emulator); the token is appended",
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///coalition.db",
        description="sqlite:///file.db (relative to the working directory) or postgresql://user:password@host/db",
    )
    database_wait_seconds: float = Field(
        default=60.0, ge=0, description="how long to wait at start for a database that does not answer, in seconds"
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR")
    webhook_url: str | None = Field(default=None, description="public https URL Telegram posts updates to (webhook)")
    webhook_secret: str | None = Field(
        default=None, description="secret token Telegram sends with each update (webhook)"
    )
    port: int = Field(default=8080, ge=1, le=65535, description="local port the webhook server listens on (webhook)")
    concern_secret: str | None = Field(
        default=None,
        description="no longer used (the concern limiter's keys live only in memory); when set, a warning says so",
    )
    commands_per_minute: int = Field(
        default=5, ge=0, description="one person's commands in one group per minute before the throttle (0: none)"
    )
    reminder_lease_seconds: float = Field(
        default=60.0, gt=0, description="how long a process owns a reminder it is sending before another may resume it"
    )
    bulk_messages_per_second: float = Field(
        default=28.0, gt=0, description="pace of reminder fan-outs; Telegram allows about 30 per second overall"
    )
    concurrent_updates: int | None = Field(
        default=None,
        ge=1,
        description="updates of different chats handled side by side; unset: 4 on PostgreSQL, 1 on SQLite",
    )
    locales_dir: Path | None = Field(
        default=None, description="directory of compiled catalogs; unset: the ones installed with the bot"
    )
    public_url: str | None = Field(
        default=None, description="https address where the dashboard is published; unset: no web view"
    )
    web_port: int = Field(default=8081, ge=1, le=65535, description="local port of the dashboard's web server")
    web_host: str = Field(default="0.0.0.0", description="address the dashboard's web server listens on")
    webapp_short_name: str | None = Field(
        default=None, description="the Mini App's short name registered with @BotFather /newapp"
    )
    network_viewers: str = Field(
        default="", description="comma-separated Telegram user ids allowed the cross-coalition view"
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, level: str) -> str:
        if not isinstance(logging.getLevelName(level.upper()), int):
            raise ValueError("not a logging level (DEBUG, INFO, WARNING, ERROR)")
        return level.upper()

    @property
    def update_concurrency(self) -> int:
        """SQLite takes one writer at a time and its statements run in the event loop: side by
        side, updates only take turns (measured in `bench/throughput.py`); a server does not."""
        if self.concurrent_updates is not None:
            return self.concurrent_updates
        return 1 if self.database_url.startswith("sqlite") else 4

    @property
    def network_viewer_ids(self) -> frozenset[int]:
        return frozenset(int(part) for part in self.network_viewers.replace(" ", "").split(",") if part)

    @property
    def public_url_is_local(self) -> bool:
        """Telegram refuses buttons to these: the bot writes the address instead (SPEC §15)."""
        host = urlsplit(self.public_url or "").hostname or ""
        return host in ("127.0.0.1", "localhost", "::1")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, url: str | None) -> str | None:
        """https, except plain http for a local trial; kept without its trailing slash."""
        if not url:
            return None
        parts = urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError("PUBLIC_URL must be an https address (plain http only for 127.0.0.1 or localhost)")
        return url.rstrip("/")

    @field_validator("network_viewers")
    @classmethod
    def _viewer_ids(cls, value: str) -> str:
        for part in value.replace(" ", "").split(","):
            if part and not part.lstrip("-").isdigit():
                raise ValueError(f"NETWORK_VIEWERS: {part!r} is not a Telegram user id")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept the usual sync URLs and switch them to the async drivers we ship."""
        for prefix, replacement in (
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql+psycopg2://", "postgresql+asyncpg://"),
            ("sqlite:///", "sqlite+aiosqlite:///"),
        ):
            if url.startswith(prefix):
                url = replacement + url[len(prefix) :]
                break
        try:
            driver = make_url(url).drivername
        except ArgumentError:
            raise ValueError("not a database URL (sqlite:///file.db or postgresql://user@host/db)") from None
        if driver not in DRIVERS:
            raise ValueError(f"{driver} is not supported: use sqlite:///file.db or postgresql://user@host/db")
        return url


def environment_variables(*names: str) -> str:
    """The named settings as `--help` lists them: variable, meaning, default."""
    lines = []
    for name in names:
        field = Settings.model_fields[name]
        default = "" if field.default is None else f" (default: {field.default})"
        lines.append(f"  {name.upper()}{default}\n      {field.description}")
    return "\n".join(lines)


def describe_error(error: ValidationError) -> str:
    """A settings error as one line naming each variable ("PORT: must be ≤ 65535 (got 70000)")."""
    parts = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"]).upper()
        message = problem["msg"].removeprefix("Value error, ")
        shown = f" (got {problem['input']!r})" if name.lower() in SHOWN and "got" not in message else ""
        parts.append(f"{name}: {message}{shown}")
    return "; ".join(parts)


def env_example() -> str:
    """The text of `.env.example`: every setting, its meaning and its default, commented out."""
    lines = [
        "# coalition-bot settings: copy this file to .env in the working directory (or set the",
        "# variables in the environment) and uncomment what you change.",
        "# Generated from bot/config.py with `python -m bot.config > .env.example`; a test keeps it in step.",
    ]
    for name, field in Settings.model_fields.items():
        lines += ["", f"# {field.description}", f"# {name.upper()}={'' if field.default is None else field.default}"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(env_example(), end="")
