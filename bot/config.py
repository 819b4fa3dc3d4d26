"""Configuration read from the environment (and a `.env` file) with pydantic-settings.

Everything that differs between a developer laptop, CI and production lives here and
nowhere else, so the composition root (`bot.app`) is the only reader of the environment.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Runtime settings; names match the environment variables of SPEC §2."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    telegram_bot_token: str | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    database_url: str = "sqlite+aiosqlite:///coalition.db"
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    port: int = 8080
    concern_secret: str | None = None
    reminder_lease_seconds: float = 60.0
    commands_per_minute: int = 5  # one person's commands in one group before the throttle (0: none)
    bulk_messages_per_second: float = 28.0  # fan-out pace: under Telegram's ~30/s, room left for replies
    locales_dir: Path = Field(default=PROJECT_ROOT / "locales")
    public_url: str | None = None  # where the dashboard is published (SPEC §15); unset: no web view
    web_port: int = 8081
    web_host: str = "0.0.0.0"
    webapp_short_name: str | None = None  # the Mini App's name registered with BotFather /newapp
    network_viewers: str = ""  # comma-separated Telegram user ids allowed the cross-coalition view

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
                return replacement + url[len(prefix) :]
        return url
