"""The one way out (SPEC §11, §12): every request that says something leaves from here.

Handlers and the dispatcher hand over `Job`s and never wait on Telegram. The sender keeps
one queue per chat (lanes inside it: scheduled posts first, then replies, then bulk), and
one loop picks the next chat allowed to send under Telegram's limits: about 30 requests a
second overall (bulk paced below that, so replies always find room), 20 a minute per
group, one a second per private chat (a short burst of three tolerated, as Telegram does:
someone who sends a command a second gets every answer within the second). At most one request per chat is in flight, so each
chat's order is kept; many chats are served at once.

Faults, as SPEC §11 wants them handled:

* 429: the chat waits `retry_after`, then the same part is sent again.
* Refused connection, 5xx: nothing reached Telegram; retried with back-off.
* An answer lost after the request left (dropped connection, read time-out): Telegram may
  have applied it. Retried all the same (a duplicate is preferred to a loss), logged and
  counted in `stats.possible_duplicates`.
* 400 and 403 are permanent: the job ends with FAILED or UNREACHABLE (the caller records it).
* A job with a deadline (in-memory replies: 10 minutes) is dropped with one WARNING line
  when it passes; durable jobs have none and are retried until delivered.

Parts already accepted are never sent again: a job remembers `next_part`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.clock import Clock
from bot.outbox.envelope import Job, Lane, Outcome, chat_name
from bot.outbox.split import split_html

log = logging.getLogger(__name__)

BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
REPLY_LIFETIME = 600.0  # in-memory replies are retried for ten minutes (SPEC §11)
CALLBACK_LIFETIME = 10.0  # Telegram refuses answers to presses older than this
MERGE_AFTER = 30.0  # replies to a group waiting longer than this are merged (SPEC §12)
MAX_IN_FLIGHT = 32


@dataclass
class Limits:
    """Telegram's limits, with a small margin: our clock starts before the request arrives."""

    global_per_second: int = 30
    bulk_per_second: float = 28.0
    group_per_minute: int = 20
    group_window: float = 60.5
    private_interval: float = 1.0
    private_burst: int = 3  # at most this many in `private_burst` intervals: one a second, short bursts allowed

    @property
    def private_window(self) -> float:
        return self.private_burst * self.private_interval


@dataclass
class Stats:
    sent: int = 0
    retried: int = 0
    possible_duplicates: int = 0
    flood_waits: int = 0
    failed: int = 0
    unreachable: int = 0
    expired: int = 0


@dataclass
class _Chat:
    chat_id: int
    lanes: tuple[deque[Job], ...] = field(default_factory=lambda: (deque(), deque(), deque()))
    current: Job | None = None  # a started multi-part job finishes before anything else starts
    busy: bool = False
    not_before: float = 0.0  # 429 or back-off
    sent: deque[float] = field(default_factory=deque)  # counted requests, for the per-chat limit

    @property
    def private(self) -> bool:
        return self.chat_id > 0

    def pending(self) -> bool:
        return self.current is not None or any(self.lanes)

    def has(self, *, interactive: bool) -> bool:
        """Work of that kind, queued or started."""
        if self.current is not None and (self.current.lane is not Lane.BULK) == interactive:
            return True
        return bool(self.lanes[0] or self.lanes[1]) if interactive else bool(self.lanes[2])

    def startable(self, *, interactive: bool) -> bool:
        """Nothing of the other kind half-sent (a started job finishes first)."""
        return self.current is None or (self.current.lane is not Lane.BULK) == interactive


class Sender:
    """One per running bot; `start` it inside the event loop, `stop` waits for nothing."""

    def __init__(
        self,
        bot: Callable[[], Bot],
        clock: Clock,
        limits: Limits | None = None,
        *,
        on_migrated: Callable[[int, int], Awaitable[None]] | None = None,
        on_unreachable: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self._bot = bot
        self.clock = clock
        self.limits = limits or Limits()
        self.on_migrated = on_migrated
        self.on_unreachable = on_unreachable
        self.stats = Stats()
        self._chats: dict[int, _Chat] = {}  # kept while their sends still count against a limit
        self._ready_interactive: dict[int, None] = {}  # chats with replies or scheduled posts, oldest first
        self._ready_bulk: dict[int, None] = {}
        self._global: deque[float] = deque()
        self._next_bulk = 0.0
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._in_flight = 0
        self._futures: dict[int, asyncio.Future[Outcome]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None

    # -- handing work over -------------------------------------------------------------

    def submit(self, job: Job) -> asyncio.Future[Outcome]:
        """Queue `job`; the future tells how it ended (callers may ignore it)."""
        job.enqueued = self.clock.monotonic()
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._futures[id(job)] = future
        chat = self._chats.get(job.chat_id) or self._chats.setdefault(job.chat_id, _Chat(job.chat_id))
        chat.lanes[job.lane].append(job)
        (self._ready_bulk if job.lane is Lane.BULK else self._ready_interactive)[job.chat_id] = None
        self._idle.clear()
        self._wake.set()
        return future

    def reply_deadline(self) -> float:
        return self.clock.monotonic() + REPLY_LIFETIME

    def answer_callback(self, bot: Bot, query_id: str, text: str | None) -> None:
        """Answer a pressed button now, on a lane of its own (it names no chat, costs no budget)."""
        self.spawn(self._answer(bot, query_id, text, self.clock.monotonic() + CALLBACK_LIFETIME))

    async def _answer(self, bot: Bot, query_id: str, text: str | None, deadline: float) -> None:
        attempt = 0
        while True:
            try:
                await bot.answer_callback_query(query_id, text)
                return
            except BadRequest as error:  # too old, or already answered
                log.info("callback %s not answered: %s", query_id, error.message)
                return
            except (NetworkError, RetryAfter) as error:
                wait = _retry_after(error) if isinstance(error, RetryAfter) else BACKOFF[min(attempt, 2)]
                if self.clock.monotonic() + wait > deadline:
                    log.info("callback %s not answered within %ss: %s", query_id, CALLBACK_LIFETIME, error)
                    return
                attempt += 1
                await self.clock.sleep(wait)

    async def idle(self) -> None:
        """Wait until everything queued so far has left or ended (tests, benchmarks, shutdown),
        including the work spawned beside it: a durable message's row is settled in such a task
        once Telegram has it, and a shutdown that cut it would send the message again."""
        while True:
            while not self._idle.is_set():
                await self._idle.wait()
                await asyncio.sleep(0)
            beside = [task for task in self._tasks if task is not asyncio.current_task()]
            if not beside:
                return
            await asyncio.wait(beside)

    # -- the loop --------------------------------------------------------------------

    def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._run(), name="sender")

    async def stop(self) -> None:
        for task in [t for t in (self._loop_task, *self._tasks) if t is not None]:
            task.cancel()
        for task in [t for t in (self._loop_task, *self._tasks) if t is not None]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._loop_task = None
        self._tasks.clear()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run `coroutine` alongside, owned by the sender (cancelled by `stop`)."""
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self) -> None:
        while True:
            try:
                await self._step()
            except Exception:  # the way out must stay open whatever one request did
                log.exception("the sender's loop failed; it goes on")
                await self.clock.sleep(0.1)

    async def _step(self) -> None:
        """Start what may start, then sleep until something is queued or answered, or a limit opens."""
        self._wake.clear()
        wait = self._dispatch()
        if self._in_flight == 0 and not self._ready_interactive and not self._ready_bulk:
            self._idle.set()
        timeout = None if wait is None else max(wait, 0.001) / self.clock.speed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    def _dispatch(self) -> float | None:
        """Start every request allowed now; returns how long until the next one may be.

        Chats with interactive work are served first; bulk is paced by one global gate, so
        its pass stops at the first chat that starts (or as soon as the gate is closed)."""
        now = self.clock.monotonic()
        soonest: float | None = None
        for ready, interactive in ((self._ready_interactive, True), (self._ready_bulk, False)):
            for chat_id in list(ready):
                if self._in_flight >= MAX_IN_FLIGHT:
                    return 0.05
                chat = self._chats[chat_id]
                if not chat.has(interactive=interactive):
                    del ready[chat_id]
                    continue
                if chat.busy or not chat.startable(interactive=interactive):
                    continue
                wait = self._wait(chat, now, bulk=not interactive)
                if wait > 0:
                    soonest = wait if soonest is None else min(soonest, wait)
                    if not interactive and self._next_bulk > now:
                        break  # the bulk gate is closed for every chat
                    continue
                job = self._next_job(chat, now)
                if job is not None:
                    self._start(chat, job, now)
        if len(self._chats) > 2 * (len(self._ready_interactive) + len(self._ready_bulk)) + 100:
            for chat in [c for c in self._chats.values() if not c.pending() and not c.busy]:
                if self._forgettable(chat, now):
                    # a pass that stopped early may still list it as ready: forget it there too,
                    # or the next pass meets a chat it no longer knows and the loop fails for good
                    del self._chats[chat.chat_id]
                    self._ready_interactive.pop(chat.chat_id, None)
                    self._ready_bulk.pop(chat.chat_id, None)
        return soonest

    def _forgettable(self, chat: _Chat, now: float) -> bool:
        """An idle chat is dropped only once its sends no longer count against its limit."""
        keep = self.limits.private_window if chat.private else self.limits.group_window
        return not chat.sent or (chat.sent[-1] <= now - keep and chat.not_before <= now)

    def _wait(self, chat: _Chat, now: float, *, bulk: bool) -> float:
        """Seconds until `chat` may send its next counted request."""
        limits = self.limits
        waits = [chat.not_before - now]
        while self._global and self._global[0] <= now - 1.02:
            self._global.popleft()
        if len(self._global) + self._in_flight >= limits.global_per_second:
            # until the oldest leaves the window, or (all in flight) until an answer wakes us
            waits.append(self._global[0] + 1.02 - now if self._global else 1.0)
        if bulk:
            waits.append(self._next_bulk - now)
        if chat.private:
            while chat.sent and chat.sent[0] <= now - limits.private_window:
                chat.sent.popleft()
            if len(chat.sent) >= limits.private_burst:
                waits.append(chat.sent[0] + limits.private_window - now)
        else:
            while chat.sent and chat.sent[0] <= now - limits.group_window:
                chat.sent.popleft()
            if len(chat.sent) >= limits.group_per_minute:
                waits.append(chat.sent[0] + limits.group_window - now)
        return max(waits)

    def _next_job(self, chat: _Chat, now: float) -> Job | None:
        if chat.current is not None:
            return chat.current
        for lane in chat.lanes:
            while lane:
                job = lane.popleft()
                if job.deadline is not None and now > job.deadline:
                    self._expire(job)
                    continue
                if job.mergeable and now - job.enqueued > MERGE_AFTER:
                    job = self._merge(job, lane)
                chat.current = job
                return job
        return None

    def _merge(self, first: Job, lane: deque[Job]) -> Job:
        """Consecutive plain-text replies to one chat and topic become one message, each part
        opened by a mention of the person it answers (SPEC §12)."""
        batch = [first]
        while lane and lane[0].mergeable and lane[0].thread_id == first.thread_id:
            batch.append(lane.popleft())
        if len(batch) == 1:
            return first
        text = "\n\n".join(f"{job.answers}\n" + "\n".join(job.texts) for job in batch)
        merged = Job(first.chat_id, Lane.REPLY, texts=split_html(text), thread_id=first.thread_id)
        merged.enqueued, merged.deadline, merged.merged = first.enqueued, first.deadline, batch
        log.info("merged %d replies to %s waiting over %ss", len(batch), chat_name(first.chat_id), MERGE_AFTER)
        return merged

    def _start(self, chat: _Chat, job: Job, now: float) -> None:
        chat.busy = True
        self._in_flight += 1
        if job.counted:
            chat.sent.append(now)  # moved to the answer's time once it comes (see `_send`)
            if job.lane is Lane.BULK:
                self._next_bulk = max(now, self._next_bulk) + 1 / self.limits.bulk_per_second
        self.spawn(self._send(chat, job))

    async def _send(self, chat: _Chat, job: Job) -> None:
        try:
            outcome = await self._attempt(chat, job)
        except Exception:  # a bug in a callback must not stop the sender
            log.exception("sending to %s failed unexpectedly", chat_name(chat.chat_id))
            outcome = Outcome.FAILED
        finally:
            # Telegram counted the request somewhere between sending and answering: counting
            # it from the answer keeps our windows from closing before Telegram's do
            now = self.clock.monotonic()
            if job.counted:
                self._global.append(now)
                if chat.sent:
                    chat.sent[-1] = now
            chat.busy = False
            self._in_flight -= 1
            self._wake.set()
        if outcome is not None:
            chat.current = None
            self._finish(job, outcome)

    async def _attempt(self, chat: _Chat, job: Job) -> Outcome | None:
        """Send the job's next part; None while parts remain (the loop sends the next one)."""
        if job.on_start is not None:
            start, job.on_start = job.on_start, None
            await start()
        try:
            result = await self._request(job)
        except RetryAfter as error:
            self.stats.flood_waits += 1
            chat.not_before = self.clock.monotonic() + _retry_after(error)
            return None
        except ChatMigrated as error:
            log.warning("group %s became supergroup %s", job.chat_id, error.new_chat_id)
            if self.on_migrated is not None:
                await self.on_migrated(job.chat_id, error.new_chat_id)
            job.chat_id = error.new_chat_id
            return None
        except Forbidden as error:
            log.info("%s unreachable: %s", chat_name(job.chat_id), error.message)
            self.stats.unreachable += 1
            if chat.private and self.on_unreachable is not None:
                await self.on_unreachable(job.chat_id)  # the one place a 403 is recorded
            return Outcome.UNREACHABLE
        except BadRequest as error:
            if "not modified" in error.message:
                return Outcome.SENT  # an edit to what is already shown
            log.error(
                "Telegram refused a request to %s (%s): %s",
                chat_name(job.chat_id),
                job.label or "message",
                error.message,
            )
            self.stats.failed += 1
            return Outcome.FAILED
        except (NetworkError, TelegramError) as error:
            job.attempts += 1
            self.stats.retried += 1
            if _maybe_applied(error):
                self.stats.possible_duplicates += 1
                log.warning(
                    "answer lost for a request to %s (%s); sending again, possibly a duplicate: %s",
                    chat_name(job.chat_id),
                    job.label or f"part {job.next_part + 1}",
                    error,
                )
            wait = BACKOFF[min(job.attempts - 1, len(BACKOFF) - 1)]
            if job.deadline is not None and self.clock.monotonic() + wait > job.deadline:
                return Outcome.EXPIRED
            chat.not_before = self.clock.monotonic() + wait
            return None
        job.attempts = 0
        job.results.append(result)
        if job.on_part is not None:
            await job.on_part(job.next_part, result)
        job.next_part += 1
        if job.call is None and job.next_part < len(job.texts):
            return None
        self.stats.sent += 1
        if job.after is not None:
            await job.after(job.results)
        return Outcome.SENT

    async def _request(self, job: Job) -> Any:
        bot = self._bot()
        if job.call is not None:
            return await job.call(bot)
        index = job.next_part
        last = index == len(job.texts) - 1
        quote = ReplyParameters(job.reply_to, allow_sending_without_reply=True) if job.reply_to and index == 0 else None
        return await bot.send_message(
            job.chat_id,
            job.texts[index],
            parse_mode=ParseMode.HTML,
            reply_markup=job.keyboard if last else None,
            message_thread_id=job.thread_id,
            reply_parameters=quote,
        )

    def _expire(self, job: Job) -> None:
        waited = self.clock.monotonic() - job.enqueued
        log.warning(
            "gave up on a reply to %s after %.0f s (%s)", chat_name(job.chat_id), waited, job.label or "message"
        )
        self.stats.expired += 1
        self._finish(job, Outcome.EXPIRED)

    def _finish(self, job: Job, outcome: Outcome) -> None:
        for done in job.merged or [job]:
            future = self._futures.pop(id(done), None)
            if future is not None and not future.done():
                future.set_result(outcome)


def _retry_after(error: RetryAfter) -> float:
    """`retry_after` is an int before PTB 22.2 and a timedelta after; accept both."""
    value = error.retry_after
    return (value.total_seconds() if isinstance(value, timedelta) else float(value)) + 0.05


def _maybe_applied(error: TelegramError) -> bool:
    """Whether Telegram may have applied the request whose answer we did not get.

    A refused connection or an HTTP error status means it did not; a connection dropped or a
    time-out after the request was written means it may have."""
    if isinstance(error, TimedOut):
        return "Pool timeout" not in error.message and not isinstance(error.__cause__, httpx.ConnectTimeout)
    cause = error.__cause__
    if cause is None:
        return False  # an HTTP status (5xx): Telegram answered, so it did not apply it
    return not isinstance(cause, httpx.ConnectError)
