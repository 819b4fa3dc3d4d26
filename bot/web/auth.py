"""Who is reading a page: Telegram's signed `initData`, its login widget, our session cookie.

Both Telegram checks follow Telegram's documentation to the letter, because every known
mistake is a small deviation from it:

* **Mini App `initData`** (core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
  the data-check string is every received field except `hash`, sorted by key, `key=value`
  joined by `\\n`, with the values URL-decoded but otherwise exactly as received (the JSON
  `user` field is never parsed and re-serialised before the check); secret =
  HMAC-SHA256(key=b"WebAppData", msg=bot token); the expected hash is the hex
  HMAC-SHA256(secret, data-check string), compared in constant time. Fields Telegram adds
  later (`signature`, …) are part of the string like any other, so they are tolerated.
* **Login widget** (core.telegram.org/widgets/login#checking-authorization): the same
  data-check string over the received query fields, keyed by SHA-256(bot token).

Freshness is ours to check: `auth_date` older than 24 hours is refused (Telegram Desktop has
been seen reusing old `initData`).

The session cookie is `<user id>.<issued at>.<hex HMAC>` keyed by a key derived from the bot
token, so it needs no storage; it says only who signed in and when. Whether that person may
still see a coalition is decided on every request from the database, so a membership that
ends revokes the cookie's access at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

MAX_AGE = timedelta(hours=24)
SESSION_DAYS = 30
COOKIE = "coalition_session"


class AuthError(Exception):
    """The data is missing, forged or stale: the request is answered 401."""


@dataclass(frozen=True)
class Reader:
    """A Telegram user whose identity Telegram vouched for."""

    tg_user_id: int
    language_code: str | None = None
    start_param: str | None = None


def _check_string(fields: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def _fresh(fields: Mapping[str, str], now: datetime) -> None:
    try:
        signed_at = int(fields["auth_date"])
    except (KeyError, ValueError) as exc:
        raise AuthError("no auth_date") from exc
    age = now.timestamp() - signed_at
    if age > MAX_AGE.total_seconds():
        raise AuthError("stale")
    if age < -300:  # a little clock skew is tolerated, a date in the future is not
        raise AuthError("from the future")


def _verify(fields: Mapping[str, str], secret: bytes) -> None:
    received = fields.get("hash")
    if not received:
        raise AuthError("no hash")
    expected = hmac.new(secret, _check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received.lower()):
        raise AuthError("bad hash")


def web_app_secret(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def check_init_data(raw: str, token: str, now: datetime) -> Reader:
    """The reader of a Mini App, from `Telegram.WebApp.initData` exactly as the page got it."""
    if not raw:
        raise AuthError("missing")
    pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise AuthError("a field given twice")
    _verify(fields, web_app_secret(token))
    _fresh(fields, now)
    try:
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError) as exc:
        raise AuthError("no user") from exc
    return Reader(user_id, user.get("language_code"), fields.get("start_param") or None)


def check_login(query: Mapping[str, str], token: str, now: datetime) -> Reader:
    """The reader coming back from a `login_url` button or the login widget.

    Every query field enters the data-check string, as documented, so the page's own
    parameters travel in the path (`/login/3`), never in the query."""
    _verify(query, hashlib.sha256(token.encode()).digest())
    _fresh(query, now)
    try:
        return Reader(int(query["id"]))
    except (KeyError, ValueError) as exc:
        raise AuthError("no id") from exc


def _session_key(token: str) -> bytes:
    return hmac.new(b"CoalitionSession", token.encode(), hashlib.sha256).digest()


def _session_mac(token: str, body: str) -> str:
    return hmac.new(_session_key(token), body.encode(), hashlib.sha256).hexdigest()


def session_value(token: str, tg_user_id: int, now: datetime) -> str:
    body = f"{tg_user_id}.{int(now.timestamp())}"
    return f"{body}.{_session_mac(token, body)}"


def check_session(value: str | None, token: str, now: datetime) -> Reader:
    if not value:
        raise AuthError("no session")
    body, _, mac = value.rpartition(".")
    if not body or not hmac.compare_digest(_session_mac(token, body), mac):
        raise AuthError("bad session")
    user_id, _, issued = body.partition(".")
    if now.timestamp() - int(issued) > timedelta(days=SESSION_DAYS).total_seconds():
        raise AuthError("session expired")
    return Reader(int(user_id))
