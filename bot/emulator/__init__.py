"""A local Telegram Bot API emulator for end-to-end tests of the real bot application."""

from .records import ApiRequest, SentMessage
from .server import Emulator

__all__ = ["ApiRequest", "Emulator", "SentMessage"]
