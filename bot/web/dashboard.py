"""The coalition dashboard, the public transparency page and the network view (SPEC §15).

A separate aiohttp application on `WEB_PORT`, started with the bot (`run` or `webhook`)
when `PUBLIC_URL` is set. Every page is rendered on the server (Jinja2) from the services,
read-only; the only script is our own `app.js`, which reads Telegram's `initData` from the
URL fragment Telegram opens a Mini App with and posts it, untouched, back to the page.

Routes:

* `GET /app` — the dashboard for a signed-in reader (session cookie), else 401 with the
  sign-in page (which the script completes inside Telegram);
* `POST /app` — `init_data` (Telegram's raw `initData`) and optionally `c` (a coalition id):
  401 when it does not verify, 403 for a non-member, else the dashboard and a session cookie;
* `GET /login/{c}` — where Telegram's `login_url` button lands: the login data is checked,
  a session cookie set, and the reader sent on to `/app?c=…`;
* `GET|POST /network` — the cross-coalition view, for `NETWORK_VIEWERS` only;
* `GET /c/{slug}` — the public page of a coalition that published it, else 404;
* `/static/…` — the stylesheet and the script.

Every response carries a restrictive Content-Security-Policy: nothing but this origin, and
Telegram's own `telegram-web-app.js`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from babel import negotiate_locale
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from telegram.error import TelegramError
from telegram.ext import Application

from bot.i18n import SUPPORTED, Lang, negotiate
from bot.models import Coalition
from bot.runtime import Runtime, runtime_of
from bot.services import dashboard as service
from bot.services import members as member_service
from bot.views import actions as action_views
from bot.views import dashboard as views
from bot.views import meetings as meeting_views
from bot.views import needs as need_views
from bot.views import progress as progress_views
from bot.views.coalition import LANGUAGE_NAMES
from bot.views.members import role_name
from bot.web import auth

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
CSP = "; ".join(
    [
        "default-src 'none'",
        f"script-src 'self' {TELEGRAM_SCRIPT}",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'self' https://web.telegram.org",
    ]
)
RUNNER_KEY = "dashboard_runner"
_BOT = web.AppKey("bot", Application)
_JINJA = web.AppKey("jinja", Environment)

Page = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _headers(request: web.Request, handler: Page) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:  # redirects and errors carry the same headers
        _secure(request, error)
        raise
    _secure(request, response)
    return response


def _secure(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if not request.path.startswith(("/static/", "/c/")):
        response.headers["Cache-Control"] = "no-store"


def _runtime(request: web.Request) -> Runtime:
    return runtime_of(request.app[_BOT])


def _lang_of(request: web.Request, fallback: str | None, tz: str = "UTC") -> Lang:
    """`?lang=`, else the browser's `Accept-Language`, else `fallback`."""
    asked = request.query.get("lang")
    if asked not in SUPPORTED:
        preferred = [
            part.split(";")[0].strip().replace("-", "_")
            for part in request.headers.get("Accept-Language", "").split(",")
        ]
        asked = negotiate_locale([p for p in preferred if p and p != "*"], list(SUPPORTED), sep="_") or fallback
    return _runtime(request).catalogs.lang(asked, tz)


def _render(request: web.Request, name: str, t: Lang, status: int = 200, **values: object) -> web.Response:
    template = request.app[_JINJA].get_template(name)
    html = template.render(
        t=t, _=t._, ngettext=t.ngettext, lang=t.code, dir="rtl" if t.rtl else "ltr", path=request.path, **values
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _sign_in(request: web.Request, t: Lang, failed: bool) -> web.Response:
    return _render(request, "signin.html", t, status=401, failed=failed)


def _refuse(request: web.Request, t: Lang, status: int, message: str) -> web.Response:
    return _render(request, "refused.html", t, status=status, message=message)


async def _reader(request: web.Request) -> tuple[auth.Reader | None, str | None, str | None]:
    """(reader, raw initData if it came with the request, the coalition asked for)."""
    runtime = _runtime(request)
    token = runtime.settings.telegram_bot_token or ""
    now = runtime.clock.now()
    asked = request.query.get("c")
    if request.method == "POST":
        form = await request.post()
        raw = str(form.get("init_data", ""))
        asked = str(form.get("c", "")) or asked
        try:
            reader = auth.check_init_data(raw, token, now)
        except auth.AuthError as error:
            log.info("web sign-in refused: %s", error)
            return None, raw, asked
        start = reader.start_param or ""
        return reader, raw, asked or (start[1:] if start.startswith("c") else None)
    try:
        return auth.check_session(request.cookies.get(auth.COOKIE), token, now), None, asked
    except auth.AuthError:
        return None, None, asked


def _keep_signed_in(request: web.Request, response: web.Response, reader: auth.Reader) -> None:
    runtime = _runtime(request)
    response.set_cookie(
        auth.COOKIE,
        auth.session_value(runtime.settings.telegram_bot_token or "", reader.tg_user_id, runtime.clock.now()),
        max_age=auth.SESSION_DAYS * 86400,
        path="/",
        secure=True,
        httponly=True,
        samesite="Lax",
    )


def _admin_check(request: web.Request, tg_user_id: int) -> service.IsAdmin:
    bot = request.app[_BOT].bot

    async def is_admin(coalition: Coalition) -> bool:
        try:
            return await _runtime(request).admins.is_admin(bot, coalition.chat_id, tg_user_id)
        except TelegramError as error:  # the bot left the group, Telegram is down: not an admin
            log.info("admin check for coalition %s failed: %s", coalition.id, error)
            return False

    return is_admin


async def app_page(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    reader, raw, asked = await _reader(request)
    if reader is None:
        return _sign_in(request, _lang_of(request, None), failed=raw is not None)
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        person = await member_service.person_by_user(session, reader.tg_user_id)
        mine = await service.coalitions_of(session, person, reader.tg_user_id)
        target = await service.by_id(session, int(asked)) if asked and asked.isdigit() else None
        target = target or (mine[0] if mine else None)
        reach = (
            await service.access(session, person, target, _admin_check(request, reader.tg_user_id)) if target else None
        )
        if person is None:
            t = _lang_of(request, negotiate(reader.language_code))
        else:
            t = runtime.catalogs.lang(member_service.reader_language(person, target))
        if reach is None:
            response = _refuse(
                request, t, 403, t._("You are not a member of this coalition, so its dashboard is not shown.")
            )
            if not mine:  # the membership ended: the session opens nothing any more
                response.del_cookie(auth.COOKIE, path="/")
            return response
        t = runtime.catalogs.lang(t.code, (person and person.timezone) or reach.coalition.timezone)
        data = await service.dashboard(session, reach, now)
        others = [c for c in mine if c.id != reach.coalition.id]
    response = _render(request, "dashboard.html", t, d=data, now=now, others=others, init_data=raw, views=_helpers(t))
    _keep_signed_in(request, response, reader)
    return response


async def network_page(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    reader, raw, _ = await _reader(request)
    t = _lang_of(request, reader.language_code if reader else None)
    if reader is None:
        return _sign_in(request, t, failed=raw is not None)
    if reader.tg_user_id not in runtime.settings.network_viewer_ids:
        return _refuse(request, t, 403, views.network_refused(t))
    now = runtime.clock.now()
    async with runtime.db.transaction() as session:
        person = await member_service.person_by_user(session, reader.tg_user_id)
        if person is not None and person.language:
            t = runtime.catalogs.lang(person.language)
        lines = await service.network(session, now)
    response = _render(request, "network.html", t, lines=lines, now=now, views=_helpers(t))
    _keep_signed_in(request, response, reader)
    return response


async def login(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    try:
        reader = auth.check_login(request.query, runtime.settings.telegram_bot_token or "", runtime.clock.now())
    except auth.AuthError as error:
        log.info("web login refused: %s", error)
        return _sign_in(request, _lang_of(request, None), failed=True)
    target = request.match_info["coalition"]
    location = "/network" if target == "network" else (f"/app?c={target}" if target.isdigit() else "/app")
    response = web.HTTPSeeOther(location)
    _keep_signed_in(request, response, reader)
    raise response


async def public_page(request: web.Request) -> web.Response:
    runtime = _runtime(request)
    async with runtime.db.transaction() as session:
        coalition = await service.published(session, request.match_info["slug"])
        if coalition is None:
            t = _lang_of(request, None)
            return _refuse(request, t, 404, t._("There is no public page at this address."))
        figures = await service.public_figures(session, coalition, runtime.clock.now())
    t = _lang_of(request, figures.languages[0], figures.timezone)
    return _render(
        request,
        "public.html",
        t,
        f=figures,
        now=runtime.clock.now(),
        views=_helpers(t),
        others=[c for c in SUPPORTED if c != t.code],
    )


def _helpers(t: Lang) -> dict[str, Callable]:
    """The view functions the templates call, bound to the page's reader."""
    return {
        "owner": lambda action, person: views.owner_name(t, action, person),
        "role": lambda key: role_name(t, key),
        "when": lambda meeting, tz: meeting_views.when(t, meeting.starts_at, tz),
        "answer": lambda choice: meeting_views.answer_name(t, choice),
        "article": lambda key: progress_views.article_name(t, key),
        "countdown": lambda moment, now: progress_views.countdown(t, moment, now),
        "area": lambda value: progress_views.area(t, value),
        "number": t.number,
        "day": lambda value: action_views.day(t, value),
        "month": lambda period: progress_views.month(t, period),
        "chart": lambda monthly, baseline, deadline: Markup(views.chart_svg(t, monthly, baseline, deadline)),
        "legend": lambda baseline, deadline: views.chart_legend(t, baseline, deadline),
        "language_name": lambda code: LANGUAGE_NAMES[code],
        "money": lambda minor, code: need_views.money(t, minor, code),
        "amounts": lambda by_currency: need_views.amounts(t, by_currency),
        "priority": lambda key: need_views.priority_name(t, key),
        "donors": lambda names: views.donors(t, names),
        "in_kind": lambda pledge: views.in_kind(t, pledge),
        "gap_total": lambda gaps: views.gap_total(t, gaps),
    }


def build(application: Application) -> web.Application:
    app = web.Application(middlewares=[_headers])
    app[_BOT] = application
    app[_JINJA] = Environment(
        loader=PackageLoader("bot.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.router.add_route("GET", "/app", app_page)
    app.router.add_route("POST", "/app", app_page)
    app.router.add_route("GET", "/network", network_page)
    app.router.add_route("POST", "/network", network_page)
    app.router.add_get("/login/{coalition}", login)
    app.router.add_get("/c/{slug}", public_page)
    app.router.add_static("/static", STATIC)
    return app


async def start(application: Application) -> None:
    """Serve the pages on `WEB_PORT` alongside the bot (from the application's post_init)."""
    settings = runtime_of(application).settings
    runner = web.AppRunner(build(application), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    application.bot_data[RUNNER_KEY] = runner
    log.info("dashboard listening on %s:%d, published at %s", settings.web_host, settings.web_port, settings.public_url)


async def stop(application: Application) -> None:
    runner = application.bot_data.pop(RUNNER_KEY, None)
    if runner is not None:
        await runner.cleanup()
