"""The service's routes: the JSON API, its OpenAPI document and docs page, and the creators' page (page.py).

Each handler parses the request (http.py), hands the work to the library in a worker thread bounded by the time
limit (`Planner.run`), and formats the answer; every failure is an HTTPProblem (problems.py). The outer `Guard`
middleware adds the security headers to every answer, logs each request's status and duration and nothing else,
and turns an unexpected exception into a bare 500 without logging what the request held.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import threading
import time
from typing import Any, Callable, TypeVar

import anyio
from anyio import to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from advisor import __version__
from advisor.api import Advisor, render
from advisor.errors import AdvisorError
from advisor.profile.importers import profile_from_bytes
from advisor.reports.render import render_json
from advisor.service.config import ServiceConfig
from advisor.service.http import (
    BASE_HEADERS,
    FORMAT_TYPES,
    JSON_TYPES,
    STRICT_CSP,
    YAML_TYPES,
    as_of_parameter,
    choose_format,
    read_body,
    require_media_type,
)
from advisor.service.problems import PROBLEM_TYPE, HTTPProblem, from_library_error
from engine import EngineError
from engine.documents import Limits

LOG = logging.getLogger("creator_advisor.service")
T = TypeVar("T")


def advisor_for(config: ServiceConfig) -> Advisor:
    """The Advisor a service with `config` plans with: its rule pack (and overlays) loaded and checked."""
    options: dict[str, Any] = {} if config.engine is None else {"engine": config.engine}
    return Advisor(list(config.rules) or None, **options)


class Planner:
    """The loaded rule pack and the bounds of the work: one per worker process, shared by its threads."""

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.advisor = advisor_for(config)
        # A profile is bounded by the body limit, as a file is by its size.
        self.limits = Limits(max_bytes=config.max_body_bytes)
        self.limiter = anyio.CapacityLimiter(config.threads)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)`, answered 503 when it has not finished within the time limit.

        In a server's worker process (the event loop in the main thread) the work runs right here, stopped by a
        SIGALRM timer at the limit: a thread hop costs more than half a plan again (measured: 2.4 against 1.4 ms
        of CPU), and a process serves one plan at a time anyway (the GIL; durable-rules' lock), so the cores are
        used by worker processes. Elsewhere (Starlette's test client, a server running the loop in a thread)
        it runs in a worker thread that is abandoned at the limit and finishes on its own."""
        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            return self._run_here(work, *args)
        try:
            with anyio.fail_after(self.config.time_limit):
                return await to_thread.run_sync(_library_errors, work, *args, abandon_on_cancel=True,
                                                limiter=self.limiter)
        except TimeoutError:
            raise self._too_slow() from None

    def _run_here(self, work: Callable[..., T], *args: Any) -> T:
        previous = signal.signal(signal.SIGALRM, _past_time_limit)
        try:
            try:
                signal.setitimer(signal.ITIMER_REAL, self.config.time_limit)
                return _library_errors(work, *args)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except PastTimeLimit:
            # The work stopped wherever it was; the engine ends its session on the way out, and closing the pack
            # drops every compiled ruleset too, so nothing of the stopped plan can reach the next one.
            self.advisor.pack.close()
            raise self._too_slow() from None
        finally:
            signal.signal(signal.SIGALRM, previous)

    def _too_slow(self) -> HTTPProblem:
        return HTTPProblem(503, f"the plan was not ready within the time limit of {self.config.time_limit:g} "
                                "seconds", headers={"retry-after": "5"})

    def warm_up(self) -> None:
        """One plan in each format before the first request, so that request does not pay for compiling the
        rules' first variant and the report templates."""
        profile = profile_from_bytes(b'{"handle": "warm_up", "followers": 1}', "warm-up", limits=self.limits)
        plan = self.advisor.advise(profile)
        for fmt in FORMAT_TYPES:
            render(plan, fmt)

    def plan(self, raw: bytes, name: str, as_of: dt.date | None, fmt: str) -> str:
        """The report for one profile's bytes: `plan FILE --as-of ... --format ...`, from bytes."""
        profile = profile_from_bytes(raw, name, as_of=as_of, limits=self.limits)
        plan = self.advisor.advise(profile)
        return render_json(plan.to_dict(), compact=True) if fmt == "json" else render(plan, fmt)


class PastTimeLimit(BaseException):
    """Raised by the SIGALRM handler into the plan being worked on. A BaseException, like KeyboardInterrupt, so the
    library's `except Exception` handlers let it through (their `finally` blocks still run)."""


def _past_time_limit(signum: int, frame: Any) -> None:
    raise PastTimeLimit


def _library_errors(work: Callable[..., T], *args: Any) -> T:
    try:
        return work(*args)
    except (AdvisorError, EngineError) as error:
        raise from_library_error(error) from None


def problem_response(problem: HTTPProblem) -> Response:
    return Response(problem.encoded(), status_code=problem.status, media_type=PROBLEM_TYPE,
                    headers=problem.headers)


async def create_plan(request: Request) -> Response:
    planner: Planner = request.app.state.planner
    fmt = choose_format(request)
    as_of = as_of_parameter(request)
    require_media_type(request, JSON_TYPES + YAML_TYPES)
    body = await read_body(request, planner.config.max_body_bytes, planner.config.body_timeout)
    report = await planner.run(planner.plan, body, "body", as_of, fmt)
    return Response(report, media_type=FORMAT_TYPES[fmt])


async def programs(request: Request) -> Response:
    catalogue = request.app.state.catalogue
    return _json({"pack": catalogue["pack"], "programs": catalogue["gates"]})


async def rules(request: Request) -> Response:
    catalogue = request.app.state.catalogue
    return _json({"pack": catalogue["pack"], "rules": catalogue["rules"], "thresholds": catalogue["thresholds"]})


async def healthz(request: Request) -> Response:
    pack = request.app.state.planner.advisor.pack
    return JSONResponse({"status": "ok", "version": __version__, "rule_pack": {"name": pack.name,
                                                                                "version": pack.version}})


async def openapi(request: Request) -> Response:
    return Response(request.app.state.openapi_bytes, media_type="application/json")


def _json(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), media_type="application/json")


async def _problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPProblem)
    return problem_response(error)


async def _http_exception(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    detail = {404: f"there is nothing at {request.url.path[:100]!r}; see /docs",
              405: f"{request.method[:10]} is not allowed here"}.get(error.status_code, str(error.detail))
    headers = dict(error.headers or {})
    return problem_response(HTTPProblem(error.status_code, detail, headers=headers))


async def _internal(request: Request, error: Exception) -> Response:
    return problem_response(HTTPProblem(500, "the server failed on this request"))


def build_app(config: ServiceConfig) -> ASGIApp:
    from advisor.service import page
    from advisor.service.openapi import docs_page, openapi_document
    from engine import pack_data

    planner = Planner(config)
    planner.warm_up()
    document = openapi_document(config)
    app = Starlette(routes=[
        Route("/", page.show_form, methods=["GET"]),
        Route("/", page.submit_form, methods=["POST"]),
        Route("/v1/plans", create_plan, methods=["POST"]),
        Route("/v1/programs", programs, methods=["GET"]),
        Route("/v1/rules", rules, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/docs", docs_page, methods=["GET"]),
    ], exception_handlers={HTTPProblem: _problem, HTTPException: _http_exception, Exception: _internal})
    app.state.planner = planner
    app.state.catalogue = pack_data(planner.advisor.pack)
    app.state.openapi = document
    app.state.openapi_bytes = json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    return Guard(app)


class Guard:
    """Outermost middleware: security headers on every answer, one log line per request (status and duration,
    nothing about the request), and a bare 500 for an unexpected failure, whose details are not logged either
    (they may quote the request)."""

    def __init__(self, app: Starlette):
        self.app = app
        self.state = app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def guarded_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [(name.encode(), value.encode()) for name, value in BASE_HEADERS.items()
                            if name.encode() not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", STRICT_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception:  # noqa: BLE001 - the answer is a 500; what failed may quote the request, so no traceback
            if status == 0:
                await problem_response(HTTPProblem(500, "the server failed on this request"))(
                    scope, receive, guarded_send)
            else:
                status = 500
        finally:
            LOG.info("%d %.1fms", status, (time.perf_counter() - started) * 1000)
