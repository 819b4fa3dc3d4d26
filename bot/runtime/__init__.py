"""What the composition root hands to handlers and jobs: one object in `bot_data`."""

from __future__ import annotations

from dataclasses import dataclass, field

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.i18n import Catalogs
from bot.lifecycle import PollingWatch
from bot.outbox.announcements import AnnouncementRefresher
from bot.outbox.durable import DurableOutbox
from bot.outbox.sender import Sender
from bot.runtime.admins import AdminCache
from bot.runtime.throttle import CommandThrottle
from bot.services.concerns import LimiterKeys
from bot.services.edits import PrivateEdits
from bot.store.database import Database

RUNTIME_KEY = "runtime"


@dataclass
class Runtime:
    """Settings, database, catalogs, clock, the way out and caches of one running bot."""

    settings: Settings
    db: Database
    catalogs: Catalogs
    clock: Clock
    sender: Sender
    outbox: DurableOutbox
    announcements: AnnouncementRefresher
    worker: str
    admins: AdminCache = field(default_factory=AdminCache)
    throttle: CommandThrottle = field(default_factory=CommandThrottle)
    edits: PrivateEdits = field(default_factory=PrivateEdits)
    concern_keys: LimiterKeys = field(default_factory=LimiterKeys)
    polling: PollingWatch = field(default_factory=PollingWatch)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """PTB's callback context with typed access to the runtime."""

    @property
    def runtime(self) -> Runtime:
        return self.bot_data[RUNTIME_KEY]


def runtime_of(application: Application) -> Runtime:
    return application.bot_data[RUNTIME_KEY]
