"""The session part of Clerk's Backend API v1, as a Starlette app.

Routes, parameters, shapes and status codes follow Clerk's OpenAPI
description (``bapi/2026-05-12.yml``); errors have Clerk's shape,
``{"errors": [{"message", "long_message", "code", "meta"?}]}``. Every
handler is ``async`` and does its work without awaiting, so requests run
one at a time on the event loop and each sees a coherent state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import ids
from ..errors import did_you_mean
from ..rules import STATUSES
from .state import Sessions

LIMIT_MAX = 500
TOKEN_LIFETIME_S = (30, 315_360_000)
_TRUE = ("1", "t", "T", "true", "TRUE", "True")
_FALSE = ("0", "f", "F", "false", "FALSE", "False")
SECRET_KEY_PREFIX = "sk_test_"


class TokenSigner(Protocol):
    """What the server needs from :class:`sessionfaker.signing.Signer`."""

    def token(self, session: Mapping[str, Any], *, now: int, lifetime_s: int | None = None) -> str:
        """A session token (JWT) for ``session``, issued at ``now`` (epoch ms)."""
        ...

    def jwks(self) -> dict[str, Any]:
        """The JSON Web Key Set that verifies the tokens."""
        ...


class JSONBytes(Response):
    media_type = "application/json"


class ClerkError(Exception):
    """An error response in Clerk's shape."""

    def __init__(
        self, status: int, code: str, message: str, long_message: str, param: str | None = None
    ) -> None:
        super().__init__(long_message)
        self.status = status
        error: dict[str, Any] = {"message": message, "long_message": long_message, "code": code}
        if param is not None:
            error["meta"] = {"param_name": param}
        self.body = orjson.dumps({"errors": [error]})

    def response(self) -> Response:
        return JSONBytes(self.body, status_code=self.status)


def not_found(session_id: str) -> ClerkError:
    return ClerkError(
        404, "resource_not_found", "not found", f"No session was found with id {session_id!r}"
    )


def _bad_query(param: str, why: str) -> ClerkError:
    return ClerkError(400, "form_param_format_invalid", f"{param} is invalid", why, param)


def _bad_body(code: str, param: str | None, why: str) -> ClerkError:
    what = f"{param} is invalid" if param else "the request body is invalid"
    if code == "form_param_missing":
        what = f"{param} is missing"
    return ClerkError(422, code, what, why, param)


def _integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not (text.isascii() and text.lstrip("-").isdigit() and len(text) <= 20):
        raise _bad_query(name, f"{name} must be an integer (got {raw!r})")
    value = int(text)
    if not low <= value <= high:
        bound = f"between {low} and {high}" if high < 2**62 else f">= {low}"
        raise _bad_query(name, f"{name} must be {bound} (got {value})")
    return value


def list_params(params: Mapping[str, str]) -> dict[str, Any]:
    """The arguments of :meth:`Sessions.list` in ``GET /v1/sessions``'s query, plus
    ``paginated``; :class:`ClerkError` (400) for malformed ones."""
    status = params.get("status")
    if status is not None and status not in STATUSES:
        raise _bad_query(
            "status",
            f"status must be one of {', '.join(STATUSES)} (got {status!r})"
            + did_you_mean(status, STATUSES),
        )
    paginated = params.get("paginated")
    if paginated is not None and paginated not in _TRUE + _FALSE:
        raise _bad_query("paginated", f"paginated must be true or false (got {paginated!r})")
    return {
        "user_id": params.get("user_id"),
        "client_id": params.get("client_id"),
        "status": status,
        "limit": _integer(params, "limit", 10, 1, LIMIT_MAX),
        "offset": _integer(params, "offset", 0, 0, 2**63 - 1),
        "paginated": paginated in _TRUE,
    }


async def _json_object(request: Request, *, code_status: int = 422) -> dict[str, Any]:
    """The request's JSON object body ({} when empty)."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ClerkError(
            code_status,
            "request_body_invalid",
            "the request body is invalid",
            f"the request body is not JSON (line {exc.lineno}, column {exc.colno})",
        ) from None
    if not isinstance(value, dict):
        raise ClerkError(
            code_status,
            "request_body_invalid",
            "the request body is invalid",
            f"the request body must be a JSON object, not {type(value).__name__}",
        )
    return value


def _string(body: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise _bad_body("form_param_missing", name, f"{name} is required")
        return None
    if not isinstance(value, str):
        raise _bad_body(
            "form_param_format_invalid", name, f"{name} must be a string (got {value!r})"
        )
    return value


Handler = Callable[[Request], Awaitable[Response]]


class Api:
    """The handlers, over one :class:`Sessions`, signer and secret key."""

    def __init__(
        self, sessions: Sessions, signer: TokenSigner | None, secret_key: str | None
    ) -> None:
        self.sessions = sessions
        self.signer = signer
        self.secret_key = secret_key

    def authorize(self, request: Request) -> None:
        header = request.headers.get("authorization")
        scheme, _, key = (header or "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise ClerkError(
                401,
                "authentication_invalid",
                "Invalid authentication",
                "Unable to authenticate the request: send Authorization: Bearer sk_test_...",
            )
        if key != self.secret_key if self.secret_key else not key.startswith(SECRET_KEY_PREFIX):
            raise ClerkError(
                401,
                "clerk_key_invalid",
                "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret "
                "Key is correct.",
                "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret "
                "Key is correct.",
            )

    def route(self, handler: Handler) -> Handler:
        """``handler`` behind the secret key check, with errors in Clerk's shape."""

        async def endpoint(request: Request) -> Response:
            try:
                self.authorize(request)
                return await handler(request)
            except ClerkError as exc:
                return exc.response()

        return endpoint

    async def list_sessions(self, request: Request) -> Response:
        args = list_params(request.query_params)
        paginated = args.pop("paginated")
        page, total = self.sessions.list(**args)
        data = b"[" + b",".join(page) + b"]"
        if paginated:
            data = b'{"data":' + data + b',"total_count":%d}' % total
        return JSONBytes(data)

    async def get_session(self, request: Request) -> Response:
        session_id = request.path_params["session_id"]
        body = self.sessions.get(session_id)
        if body is None:
            raise not_found(session_id)
        return JSONBytes(body)

    async def create_session(self, request: Request) -> Response:
        body = await _json_object(request)
        user_id = _string(body, "user_id", required=True)
        organization_id = _string(body, "active_organization_id", required=False)
        assert user_id is not None
        for kind, value in (("user", user_id), ("organization", organization_id)):
            if value is not None and not ids.is_id(value, ids.PREFIXES[kind]):
                raise ClerkError(
                    404,
                    "resource_not_found",
                    "not found",
                    f"No {kind} was found with id {value!r}",
                    "user_id" if kind == "user" else "active_organization_id",
                )
        return JSONBytes(self.sessions.create(user_id, organization_id))

    async def revoke_session(self, request: Request) -> Response:
        session_id = request.path_params["session_id"]
        body = self.sessions.revoke(session_id)
        if body is None:
            raise not_found(session_id)
        return JSONBytes(body)

    async def reset(self, request: Request) -> Response:
        self.sessions.reset()
        return JSONBytes(b'{"object":"reset"}')


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return ClerkError(
            405,
            "method_not_allowed",
            "method not allowed",
            f"{request.method} is not allowed on {request.url.path}",
        ).response()
    return ClerkError(
        exc.status_code if exc.status_code >= 400 else 404,
        "resource_not_found",
        "not found",
        f"There is no {request.url.path} in this API",
    ).response()


async def _server_error(request: Request, exc: Exception) -> Response:
    return ClerkError(
        500, "internal_clerk_error", "Oops, an unexpected error occurred", type(exc).__name__
    ).response()


def create_app(
    sessions: Sessions, *, signer: TokenSigner | None = None, secret_key: str | None = None
) -> Starlette:
    """The ASGI app serving ``sessions`` under ``/v1``.

    ``secret_key``, when given, is the only bearer key accepted; otherwise
    any ``sk_test_...`` key is. ``POST /__sessionfaker/reset`` (no key
    needed) forgets every change.
    """
    api = Api(sessions, signer, secret_key)
    routes = [
        Route("/v1/sessions", api.route(api.list_sessions), methods=["GET"]),
        Route("/v1/sessions", api.route(api.create_session), methods=["POST"]),
        Route("/v1/sessions/{session_id}", api.route(api.get_session), methods=["GET"]),
        Route("/v1/sessions/{session_id}/revoke", api.route(api.revoke_session), methods=["POST"]),
        Route("/__sessionfaker/reset", api.reset, methods=["POST"]),
    ]
    return Starlette(
        routes=routes, exception_handlers={HTTPException: _http_error, 500: _server_error}
    )


__all__ = ["ClerkError", "TokenSigner", "create_app", "list_params"]
