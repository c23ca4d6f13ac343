"""The session part of Clerk's Backend API v1, as a Starlette app.

Routes, parameters, shapes and status codes follow Clerk's OpenAPI
description (``bapi/2026-05-12.yml``); errors have Clerk's shape,
``{"errors": [{"message", "long_message", "code", "meta"?}]}``. Every
handler is ``async`` and, once it has read the request, works on the
state without awaiting, under the state's lock: each request sees a
coherent state.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import ids
from ..errors import InvalidArgument, SessionfakerError, did_you_mean
from ..rules import STATUSES
from .state import Sessions

if TYPE_CHECKING:
    from ..signing import Signer

LIMIT_MAX = 500
TOKEN_LIFETIME_S = (30, 315_360_000)
_TRUE = ("1", "t", "T", "true", "TRUE", "True")
_FALSE = ("0", "f", "F", "false", "FALSE", "False")
SECRET_KEY_PREFIX = "sk_test_"
# The claims Clerk sets in a token made from a JWT template, whatever the
# template says (its other claims are the template's).
RESERVED_CLAIMS = ("azp", "exp", "iat", "iss", "jti", "nbf", "sid", "sub")


class JSONBytes(Response):
    media_type = "application/json"


class ClerkError(SessionfakerError):
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


def _found(session_id: str, body: bytes | None) -> Response:
    """The session's JSON, or a 404 when there is no such session."""
    if body is None:
        raise not_found(session_id)
    return JSONBytes(body)


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
    """The arguments of :meth:`Sessions.page` in ``GET /v1/sessions``'s query, plus
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


def query(request: Request) -> Mapping[str, str]:
    """The request's query parameters, the last of repeated ones winning, as
    Starlette's ``request.query_params`` reads them; split here when nothing
    in the query is escaped (``%`` or ``+``), the common case, as that is
    several times faster than ``parse_qsl``.

    >>> from starlette.requests import Request
    >>> dict(query(Request({"type": "http", "query_string": b"a=1&&b&a=2&=c"})))
    {'a': '2', 'b': '', '': 'c'}
    """
    params = plain_query(request.scope["query_string"])
    return request.query_params if params is None else params


def plain_query(raw: bytes) -> dict[str, str] | None:
    """A query string without escapes split as ``parse_qsl`` would; None
    when something in it is escaped."""
    if b"%" in raw or b"+" in raw:
        return None
    params = {}
    for piece in raw.decode("latin-1").split("&"):
        if piece:
            name, _, value = piece.partition("=")
            params[name] = value
    return params


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
        self,
        sessions: Sessions,
        signer: Callable[[], Signer],
        secret_key: str | None,
        templates: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.sessions = sessions
        self.signer = signer
        self.secret_key = secret_key
        self.templates = check_templates(templates or {})

    def authorize(self, request: Request) -> None:
        self.authorize_scope(request.scope)

    def authorize_scope(self, scope: Mapping[str, Any]) -> None:
        # The first Authorization header, as request.headers.get finds it,
        # without building the Headers object.
        header = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"),
            None,
        )
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
        return JSONBytes(self.listed(query(request)))

    def listed(self, params: Mapping[str, str]) -> bytes:
        """The body of ``GET /v1/sessions`` for these query parameters."""
        args = list_params(params)
        paginated = args.pop("paginated")
        data = b"[%b]" % b",".join(self.sessions.page(**args))
        if paginated:
            del args["limit"], args["offset"]
            data = b'{"data":' + data + b',"total_count":%d}' % self.sessions.count(**args)
        return data

    def fast(self, scope: Mapping[str, Any]) -> bytes | None:
        """The 200 body of a plain ``GET /v1/sessions`` or ``GET
        /v1/sessions/{id}``, answered without Starlette's routing and request
        objects; None for anything else, which Starlette then answers
        (errors included, so they are made in one place)."""
        if scope["method"] != "GET" or scope.get("root_path"):
            return None
        path = scope["path"]
        if path == "/v1/sessions":
            params = plain_query(scope["query_string"])
            if params is None:
                return None
            try:
                self.authorize_scope(scope)
                return self.listed(params)
            except ClerkError:
                return None
        session_id = path[len("/v1/sessions/") :]
        if not path.startswith("/v1/sessions/") or not session_id or "/" in session_id:
            return None
        try:
            self.authorize_scope(scope)
        except ClerkError:
            return None
        return self.sessions.get(session_id)

    async def get_session(self, request: Request) -> Response:
        session_id = request.path_params["session_id"]
        return _found(session_id, self.sessions.get(session_id))

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
        return _found(session_id, self.sessions.revoke(session_id))

    async def create_token(self, request: Request) -> Response:
        session_id = request.path_params["session_id"]
        body = await _json_object(request)
        lifetime = body.get("expires_in_seconds")
        low, high = TOKEN_LIFETIME_S
        if lifetime is not None and (
            isinstance(lifetime, bool)
            or not isinstance(lifetime, int)
            or not low <= lifetime <= high
        ):
            raise _bad_body(
                "form_param_format_invalid",
                "expires_in_seconds",
                f"expires_in_seconds must be an integer between {low} and {high} "
                f"(got {lifetime!r})",
            )
        session = self.sessions.session(session_id)
        if session is None:
            raise not_found(session_id)
        name = request.path_params.get("template_name")
        template = None if name is None else self.templates.get(name)
        if name is not None and template is None:
            raise ClerkError(
                404,
                "resource_not_found",
                "not found",
                f"No JWT template was found with name {name!r}",
                "template_name",
            )
        jwt = self._token(session, lifetime, 404, template)
        return JSONBytes(orjson.dumps({"object": "token", "jwt": jwt}))

    def _token(
        self,
        session: dict[str, Any],
        lifetime_s: int | None,
        status: int,
        template: Mapping[str, Any] | None = None,
    ) -> str:
        """The session's token, or with ``template`` the template's claims
        and Clerk's reserved ones; :class:`ClerkError` with ``status`` when the
        session is not live."""
        from ..signing import live_problem

        now = self.sessions.clock()
        problem = live_problem(session, now)
        if problem is not None:
            raise ClerkError(
                status,
                "session_not_active" if status == 404 else "authentication_invalid",
                "session is not active",
                f"Session {session['id']} cannot have a token: {problem}",
            )
        signer = self.signer()
        if template is None:
            return signer.token(session, now=now, lifetime_s=lifetime_s)
        claims = signer.claims(session, now=now, lifetime_s=lifetime_s)
        reserved = {k: claims[k] for k in RESERVED_CLAIMS if k in claims}
        return signer.sign(dict(sorted({**template, **reserved}.items())))

    async def refresh_session(self, request: Request) -> Response:
        session_id = request.path_params["session_id"]
        body = await _json_object(request, code_status=400)
        fields = {}
        for name in ("expired_token", "refresh_token", "request_origin"):
            value = body.get(name)
            if not isinstance(value, str) or not value:
                raise ClerkError(
                    400,
                    "form_param_missing" if value is None else "form_param_format_invalid",
                    f"{name} is invalid",
                    f"{name} must be a non-empty string (got {value!r})",
                    name,
                )
            fields[name] = value
        shape = body.get("format") or "token"
        if shape not in ("token", "cookie"):
            raise _bad_query("format", f"format must be token or cookie (got {shape!r})")
        session = self.sessions.session(session_id)
        claims = verify_signature(self.signer(), fields["expired_token"])
        if session is None or claims is None or claims.get("sid") != session_id:
            raise ClerkError(
                401,
                "authentication_invalid",
                "Invalid authentication",
                f"expired_token is not a token of session {session_id} signed by this server",
            )
        jwt = self._token(session, None, 401)
        if shape == "cookie":
            cookie = f"__session={jwt}; Path=/; Secure; SameSite=Lax"
            return JSONBytes(orjson.dumps({"object": "cookies", "cookies": [cookie]}))
        return JSONBytes(orjson.dumps({"object": "token", "jwt": jwt}))

    async def jwks(self, request: Request) -> Response:
        return JSONBytes(orjson.dumps(self.signer().jwks()))

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


def verify_signature(signer: Signer, token: str) -> dict[str, Any] | None:
    """The claims of ``token`` when ``signer``'s key signed it (expired or not), else None."""
    from ..signing import _extra

    try:
        head, payload, signature = token.encode("ascii").split(b".")
        header = orjson.loads(_unb64(head))
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            return None
        signer.key.public_key.verify(
            _unb64(signature),
            head + b"." + payload,
            _extra.crypto("asymmetric.padding").PKCS1v15(),
            _extra.crypto("hashes").SHA256(),
        )
        claims = orjson.loads(_unb64(payload))
    except Exception:  # anything malformed or not ours is simply not a token of ours
        return None
    return claims if isinstance(claims, dict) else None


def check_templates(templates: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """JWT templates as ``create_app`` takes them (name -> claims), checked now
    rather than on the first token: a name is a non-empty string without
    ``/``, claims a JSON object."""
    out = {}
    for name, claims in templates.items():
        if not isinstance(name, str) or not name or "/" in name:
            raise InvalidArgument(f"templates: a template name must be a word, not {name!r}")
        if not isinstance(claims, Mapping):
            raise InvalidArgument(
                f"templates.{name}: claims must be a JSON object, not {type(claims).__name__}"
            )
        try:
            orjson.dumps(claims)
        except TypeError as exc:
            raise InvalidArgument(f"templates.{name}: claims are not JSON ({exc})") from None
        out[name] = dict(claims)
    return out


def _unb64(part: bytes) -> bytes:
    return base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))


class _Front:
    """The Starlette app, with the two most frequent requests (a session, a
    list page) answered directly when they succeed (see :meth:`Api.fast`):
    those skip Starlette's middleware, routing, request and response objects,
    about half of their cost. The bytes sent are Starlette's own for them."""

    def __init__(self, app: Starlette, api: Api) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                body = self.api.fast(scope)
            except Exception:  # Starlette answers it, with Clerk's 500 if need be
                body = None
            if body is not None:
                length = str(len(body)).encode()
                headers = [(b"content-length", length), (b"content-type", b"application/json")]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def create_app(
    sessions: Sessions,
    *,
    signer: Signer | None = None,
    key_seed: int | str | None = None,
    secret_key: str | None = None,
    templates: Mapping[str, Mapping[str, Any]] | None = None,
) -> ASGIApp:
    """The ASGI app (Starlette's, see :class:`_Front`) serving ``sessions`` under ``/v1``.

    Tokens are signed by ``signer``, by default one with the test key of
    ``key_seed`` (default: the sessions' seed), made on first use. ``secret_key``,
    when given, is the only bearer key accepted; otherwise any ``sk_test_...``
    key is. ``templates`` are the JWT templates ``POST .../tokens/{name}`` signs
    with: name -> claims (static values; Clerk's reserved claims, such as
    ``sid``, ``sub`` and ``exp``, are always the session's); any other name is a
    404, as for a template that does not exist. ``POST /__sessionfaker/reset``
    (no key needed) forgets every change.
    """
    lock = threading.Lock()
    made: list[Signer] = [] if signer is None else [signer]

    def get_signer() -> Signer:
        with lock:
            if not made:
                from ..signing import KeyPair, Signer

                seed = sessions.seed if key_seed is None else key_seed
                made.append(Signer(KeyPair.from_seed(seed), profile=sessions.profile))
            return made[0]

    api = Api(sessions, get_signer, secret_key, templates)
    routes = [
        Route("/v1/sessions", api.route(api.list_sessions), methods=["GET"]),
        Route("/v1/sessions", api.route(api.create_session), methods=["POST"]),
        Route("/v1/sessions/{session_id}", api.route(api.get_session), methods=["GET"]),
        Route("/v1/sessions/{session_id}/revoke", api.route(api.revoke_session), methods=["POST"]),
        Route(
            "/v1/sessions/{session_id}/refresh", api.route(api.refresh_session), methods=["POST"]
        ),
        Route("/v1/sessions/{session_id}/tokens", api.route(api.create_token), methods=["POST"]),
        Route(
            "/v1/sessions/{session_id}/tokens/{template_name}",
            api.route(api.create_token),
            methods=["POST"],
        ),
        Route("/v1/jwks", api.route(api.jwks), methods=["GET"]),
        Route("/__sessionfaker/reset", api.reset, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes, exception_handlers={HTTPException: _http_error, 500: _server_error}
    )
    return _Front(app, api)


__all__ = ["ClerkError", "create_app", "list_params", "verify_signature"]
