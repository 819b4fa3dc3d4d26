"""What Telegram hands a Mini App and a login page: signed `initData` and login data.

Built exactly as Telegram builds them, so tests and benchmarks can open the dashboard as a
Telegram client would: every field but `hash` in the sorted data-check string; the Mini App
key is HMAC-SHA256(b"WebAppData", token), the login widget's is SHA-256(token).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote, urlencode


def _hash(secret: bytes, fields: dict[str, str]) -> str:
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def init_data(token: str, user: dict, auth_date: int, **extra: str) -> str:
    """The raw `initData` query string (`Telegram.WebApp.initData`), fields in Telegram's order."""
    fields = {"user": json.dumps(user, separators=(",", ":"), ensure_ascii=False), "auth_date": str(auth_date), **extra}
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    fields["hash"] = _hash(secret, fields)
    return "&".join(f"{key}={quote(value, safe='')}" for key, value in fields.items())


def login_query(token: str, user: dict, auth_date: int) -> str:
    """The query string Telegram appends to a `login_url` address."""
    fields = {key: str(value) for key, value in user.items() if key in ("id", "first_name", "last_name", "username")}
    fields["auth_date"] = str(auth_date)
    fields["hash"] = _hash(hashlib.sha256(token.encode()).digest(), fields)
    return urlencode(fields)
