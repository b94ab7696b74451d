"""Errors as RFC 9457 problem details (`application/problem+json`): one exception the handlers raise, one function
that turns the library's errors into it, so every route answers a failure the same way.

A profile's problems keep the CLI's words exactly: `detail` is the message `creator-advisor plan` prints after
`Error: ` (the body is named `body`, an upload by its file name), and `errors` lists each located problem with its
line, column and key path, so a client can point at the field."""

from __future__ import annotations

import json
from typing import Any

from advisor.errors import AdvisorError, LocatedProblemsError
from engine import EngineError, Problem

PROBLEM_TYPE = "application/problem+json"
PROFILE_PROBLEM = "https://creator-advisor.invalid/problems/invalid-profile"
"""The `type` of a 422: the profile (or imported data) failed its checks; see docs/http-api.md."""

MAX_LISTED = 100
"""Problems listed in one answer (the detail then says how many more there are)."""

TITLES = {400: "Bad request", 404: "Not found", 405: "Method not allowed", 406: "Not acceptable",
          408: "Request body too slow", 413: "Request body too large", 415: "Unsupported media type",
          422: "The profile has problems", 500: "Internal error", 503: "Service unavailable"}


class HTTPProblem(Exception):
    """An error answer: HTTP status, a human `detail`, optional `errors` (located problems) and headers."""

    def __init__(self, status: int, detail: str, *, type_: str = "about:blank", title: str | None = None,
                 errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_
        self.title = title or TITLES.get(status, "Error")
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status,
                                "detail": self.detail}
        if self.errors is not None:
            data["errors"] = self.errors
        return data

    def encoded(self) -> bytes:
        return json.dumps(self.body(), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def problem_item(problem: Problem) -> dict[str, Any]:
    """One located problem as JSON: where (line, column, key path) and what, and the CLI's whole line."""
    return {"line": problem.line, "column": problem.column, "path": problem.path, "message": problem.message,
            "text": str(problem)}


def from_library_error(error: AdvisorError | EngineError) -> HTTPProblem:
    """The answer to an error the library raised for this request's input: 422 with every located problem for a
    profile or import, 422 with the message for any other input error (as the CLI's exit 1)."""
    if isinstance(error, LocatedProblemsError):
        problems = error.problems
        detail = str(error)
        if len(problems) > MAX_LISTED:  # a body of 80,000 unknown keys must not be answered with megabytes
            detail = "\n".join(detail.split("\n", MAX_LISTED + 1)[:MAX_LISTED + 1]) + \
                f"\n  ... and {len(problems) - MAX_LISTED:,} more"
        return HTTPProblem(422, detail, type_=PROFILE_PROBLEM,
                           errors=[problem_item(problem) for problem in problems[:MAX_LISTED]])
    return HTTPProblem(422, str(error), type_=PROFILE_PROBLEM, title="The request could not be planned")
