"""The error answers the emulator gives, worded and shaped like Telegram's.

Every refusal travels as an :class:`ApiError` so that the HTTP layer has one place that turns
it into ``{"ok": false, "error_code": ..., "description": ...}``.
"""

from http import HTTPStatus
from typing import Any


class ApiError(Exception):
    """A Bot API failure: HTTP status, Telegram's description and optional ``parameters``."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """400 with Telegram's ``Bad Request: `` prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """403 with Telegram's ``Forbidden: `` prefix."""
    return ApiError(403, f"Forbidden: {reason}")


def http_error(status: int) -> ApiError:
    """A bare status answer (injected faults, 404), described by the standard reason phrase."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = f"Error {status}"
    return ApiError(status, phrase)


def too_many_requests(retry_after: int) -> ApiError:
    """429 exactly as Telegram words it, with the ``retry_after`` PTB turns into ``RetryAfter``."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
