"""Configuration read from the environment (and a `.env` file) with pydantic-settings.

Everything that differs between a developer laptop, CI and production lives here and
nowhere else, so the composition root (`bot.app`) is the only reader of the environment.
"""

from __future__ import annotations

from pathlib import Path

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
