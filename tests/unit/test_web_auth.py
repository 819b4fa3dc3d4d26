"""The `initData` and login checks, against Telegram's rules and the ways they are got wrong."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlencode

import pytest

from bot.emulator.webapps import init_data, login_query
from bot.web.auth import AuthError, check_init_data, check_login, check_session, session_value

# The published test vector of @telegram-apps/init-data-node (docs.telegram-mini-apps.com/packages/
# telegram-apps-init-data-node), signed with this public test token.
VECTOR_TOKEN = "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8"
VECTOR = (
    "query_id=AAHdF6IQAAAAAN0XohDhrOrc"
    "&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C%22last_name%22%3A%22Kibenko%22"
    "%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22%3Atrue%7D"
    "&auth_date=1662771648"
    "&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2"
)
VECTOR_AT = datetime.fromtimestamp(1662771648, UTC)
TOKEN = "123456:TEST-token"
NOW = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)
USER = {"id": 1002, "first_name": "Nadia", "username": "nadia", "language_code": "fr"}


def test_telegram_published_vector_verifies() -> None:
    reader = check_init_data(VECTOR, VECTOR_TOKEN, VECTOR_AT + timedelta(minutes=1))
    assert reader.tg_user_id == 279058397 and reader.language_code == "ru"


def test_the_vector_with_another_token_or_a_changed_field_is_refused() -> None:
    later = VECTOR_AT + timedelta(minutes=1)
    with pytest.raises(AuthError):
        check_init_data(VECTOR, VECTOR_TOKEN + "x", later)
    with pytest.raises(AuthError):
        check_init_data(VECTOR.replace("279058397", "279058398"), VECTOR_TOKEN, later)
    with pytest.raises(AuthError):
        check_init_data(VECTOR.replace("auth_date=1662771648", "auth_date=1662771649"), VECTOR_TOKEN, later)


def test_a_day_old_or_future_auth_date_is_refused() -> None:
    with pytest.raises(AuthError, match="stale"):
        check_init_data(VECTOR, VECTOR_TOKEN, VECTOR_AT + timedelta(hours=24, seconds=1))
    assert check_init_data(VECTOR, VECTOR_TOKEN, VECTOR_AT + timedelta(hours=23, minutes=59)).tg_user_id
    with pytest.raises(AuthError, match="future"):
        check_init_data(VECTOR, VECTOR_TOKEN, VECTOR_AT - timedelta(hours=1))


def test_missing_or_empty_hash_and_empty_data_are_refused() -> None:
    later = VECTOR_AT + timedelta(minutes=1)
    for raw in ("", VECTOR.split("&hash=")[0], VECTOR.split("&hash=")[0] + "&hash="):
        with pytest.raises(AuthError):
            check_init_data(raw, VECTOR_TOKEN, later)


def test_reordered_fields_still_verify() -> None:
    pairs = VECTOR.split("&")
    assert check_init_data("&".join(reversed(pairs)), VECTOR_TOKEN, VECTOR_AT + timedelta(minutes=1)).tg_user_id


def test_re_serialised_user_json_is_refused() -> None:
    """What a naive server does: parse `user` and dump it again (spaces, key order) before checking."""
    fields = dict(parse_qsl(VECTOR))
    fields["user"] = json.dumps(json.loads(fields["user"]))  # ", " and ": " separators
    with pytest.raises(AuthError):
        check_init_data(urlencode(fields), VECTOR_TOKEN, VECTOR_AT + timedelta(minutes=1))


def test_unknown_fields_are_part_of_the_signature_and_tolerated() -> None:
    raw = init_data(TOKEN, USER, int(NOW.timestamp()), signature="abc_DEF-123", chat_type="sender", brand_new="x")
    assert check_init_data(raw, TOKEN, NOW).tg_user_id == 1002
    with pytest.raises(AuthError):  # and cannot be added by someone else
        check_init_data(raw + "&extra=1", TOKEN, NOW)
    with pytest.raises(AuthError):
        check_init_data(raw.replace("brand_new=x", "brand_new=y"), TOKEN, NOW)


def test_equals_signs_and_ampersands_inside_values() -> None:
    user = {**USER, "first_name": "a=b&c=d", "last_name": "==="}
    raw = init_data(TOKEN, user, int(NOW.timestamp()), start_param="c1", query_id="AA==")
    assert "%3D" in raw
    reader = check_init_data(raw, TOKEN, NOW)
    assert reader.tg_user_id == 1002 and reader.start_param == "c1"


def test_a_field_given_twice_is_refused() -> None:
    raw = init_data(TOKEN, USER, int(NOW.timestamp()))
    forged = raw + "&user=" + quote(json.dumps({"id": 1}))
    with pytest.raises(AuthError):
        check_init_data(forged, TOKEN, NOW)


def test_login_data_is_checked_with_the_sha256_key() -> None:
    query = dict(parse_qsl(login_query(TOKEN, USER, int(NOW.timestamp()))))
    assert check_login(query, TOKEN, NOW).tg_user_id == 1002
    with pytest.raises(AuthError):
        check_login({**query, "id": "1001"}, TOKEN, NOW)
    with pytest.raises(AuthError, match="stale"):
        check_login(query, TOKEN, NOW + timedelta(days=2))
    web_app_signed = dict(parse_qsl(init_data(TOKEN, USER, int(NOW.timestamp()))))
    with pytest.raises(AuthError):  # a Mini App signature is not a login signature
        check_login(web_app_signed, TOKEN, NOW)
    with pytest.raises(AuthError):
        check_login({k: v for k, v in query.items() if k != "hash"}, TOKEN, NOW)


def test_session_cookie_is_signed_and_expires_after_30_days() -> None:
    value = session_value(TOKEN, 1002, NOW)
    assert check_session(value, TOKEN, NOW + timedelta(days=29)).tg_user_id == 1002
    with pytest.raises(AuthError):
        check_session(value, TOKEN, NOW + timedelta(days=31))
    with pytest.raises(AuthError):
        check_session(value.replace("1002.", "1001.", 1), TOKEN, NOW)
    with pytest.raises(AuthError):
        check_session(value, "654321:OTHER", NOW)
    for junk in (None, "", "x", "1.2", "..."):
        with pytest.raises(AuthError):
            check_session(junk, TOKEN, NOW)
