"""The HTTP face of the emulator: ``/bot<token>/<method>`` answered like api.telegram.org.

``Emulator`` is the object tests use.  It adds to the shared state and test-user actions
(``Actors``) the HTTP server, request recording, flood control and fault injection.
"""

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .actors import Actors
from .errors import ApiError, http_error, too_many_requests
from .limits import COUNTED_METHODS, FloodControl, FloodLimits
from .methods import HANDLERS
from .records import ApiRequest
from .state import DEFAULT_TOKEN
from .validation import ApiTable, UploadedFile

TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
# Telegram's upload limit for bots is 50 MB; leave room for the multipart envelope.
MAX_REQUEST_BYTES = 50 * 1024 * 1024 + 64 * 1024


@dataclass
class _Fault:
    """A pending injected failure: answer ``status``, or drop the connection if status is None."""

    method: str | None
    times: int
    status: int | None
    after_apply: bool = False
    skip: int = 0  # calls let through before this fault starts


class Emulator(Actors):
    """A local Telegram Bot API for end-to-end tests of the real PTB application.

    The bot is identified by the token it uses (any ``<digits>:<letters>`` token is accepted;
    the digits become the bot's user id), so ``emu.token`` follows the token of the last request.
    """

    def __init__(self, token: str = DEFAULT_TOKEN):
        super().__init__(token)
        self.table = ApiTable()
        self.flood_control = False
        self._flood = FloodControl()
        self._faults: list[_Fault] = []
        self._outage_until: float | None = None
        self._outage_status: int | None = 502
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def flood_limits(self) -> FloodLimits:
        """The flood-control numbers (mutable), applied whenever ``flood_control`` is True."""
        return self._flood.limits

    @property
    def base_url(self) -> str:
        """The value for ``ApplicationBuilder().base_url(...)``; PTB appends ``<token>/<method>``."""
        if self._port is None:
            raise RuntimeError("the emulator is not running; await start() first")
        return f"http://127.0.0.1:{self._port}/bot"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        """Serve on ``host:port`` (port 0 picks a free one)."""
        app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self._port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        """Release waiting long polls, then close the server."""
        self.updates.release_waiters()
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = self._port = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def fail_next(self, method: str | None = None, status: int = 502, times: int = 1, *, skip: int = 0) -> None:
        """Answer the next ``times`` calls of ``method`` (None: any method) with HTTP ``status``,
        after letting ``skip`` calls through (e.g. fail the second part of a long message)."""
        self._faults.append(_Fault(method, times, status, skip=skip))

    def drop_next(self, method: str | None = None, times: int = 1, *, after_apply: bool = False) -> None:
        """Close the connection on the next ``times`` calls without answering (a network error).

        With ``after_apply`` the request takes effect first and only the answer is lost, the
        case where a retrying bot would send a message twice.
        """
        self._faults.append(_Fault(method, times, None, after_apply))

    def use_clock(self, clock: Callable[[], float]) -> None:
        """Measure flood windows and outages on `clock` (a test clock running faster than the wall)."""
        self._flood.clock = clock

    def outage(self, seconds: float, *, status: int | None = 502) -> None:
        """The Bot API is down for `seconds` (on the emulator's clock): every request but
        `getUpdates` is answered with `status`, or its connection dropped unapplied if None."""
        self._outage_until = self._flood.clock() + seconds
        self._outage_status = status

    def _in_outage(self, method: str | None) -> bool:
        if self._outage_until is None or method == "getUpdates":
            return False
        if self._flood.clock() >= self._outage_until:
            self._outage_until = None
            return False
        return True

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token, method = request.match_info["token"], self.table.canonical(request.match_info["method"])
        record = ApiRequest(method or request.match_info["method"], {}, 200)
        self.requests.append(record)
        fault = None
        try:
            record.params = await _read_params(request)
            if method is None or not TOKEN.fullmatch(token):
                raise http_error(404)
            self.token = token
            if self._in_outage(method):
                record.injected = True
                if self._outage_status is None:
                    return self._drop(request, record)
                raise http_error(self._outage_status)
            fault = self._take_fault(method)
            if fault and fault.status is not None:
                record.injected = True
                raise too_many_requests(1) if fault.status == 429 else http_error(fault.status)
            if fault and not fault.after_apply:
                return self._drop(request, record)
            record.params = self.table.validate(method, record.params)
            self._check_flood(method, record.params)
            result = await self._call(method, record.params)
        except ApiError as error:
            if fault and fault.status is None:
                return self._drop(request, record)
            return self._refuse(record, error)
        if fault:
            return self._drop(request, record)
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in (None, method):
                if fault.skip > 0:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _drop(self, request: web.Request, record: ApiRequest) -> web.StreamResponse:
        record.status, record.error, record.injected = 0, "connection dropped", True
        if request.transport is not None:
            request.transport.abort()
        return web.Response()

    def _check_flood(self, method: str, params: dict[str, Any]) -> None:
        if not self.flood_control or method not in COUNTED_METHODS:
            return
        chat_id = params.get("chat_id")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        wait = self._flood.retry_after(chat.id if chat else None, bool(chat and chat.is_private))
        if wait is not None:
            raise too_many_requests(wait)

    async def _call(self, method: str, params: dict[str, Any]) -> Any:
        handler = HANDLERS.get(method)
        if handler is None:
            raise ApiError(501, f"emulator: method {method} is not implemented")
        result = handler(self, params)
        return await result if inspect.isawaitable(result) else result

    def _refuse(self, record: ApiRequest, error: ApiError) -> web.Response:
        record.status, record.error = error.status, error.description
        if error.status == 429:
            self.flood_responses.append(record)
        if error.status == 501:
            self.unimplemented.append(record.method)
        return web.json_response(error.body(), status=error.status)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Merge query string and body, whichever encoding the client chose (as Telegram does)."""
    params: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return params
    try:
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON body must be an object")
            params.update(body)
        else:
            for key, value in (await request.post()).items():
                params[key] = (
                    UploadedFile(value.filename, value.content_type, value.file.read())
                    if isinstance(value, web.FileField)
                    else value
                )
    except web.HTTPRequestEntityTooLarge:
        raise http_error(413) from None
    except ValueError:
        raise ApiError(400, "Bad Request: can't parse request body") from None
    return params
