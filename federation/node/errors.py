"""One JSON error envelope for every HTTP error: ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import orjson
from aiohttp import web

log = logging.getLogger("federation.http")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "rate_limited",
}


class ApiError(Exception):
    """An error answered to the client with ``status``, the envelope and any ``headers``."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def error_response(status: int, code: str, message: str) -> web.Response:
    body = orjson.dumps({"error": {"code": code, "message": message}})
    return web.Response(status=status, body=body, content_type="application/json")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as e:
        resp = error_response(e.status, e.code, e.message)
        resp.headers.update(e.headers)
        return resp
    except web.HTTPException as e:
        if e.status < 400:
            raise
        code = _STATUS_CODES.get(e.status, "error")
        resp = error_response(e.status, code, e.reason or code)
        if "Allow" in e.headers:  # a 405 must say which methods are allowed (RFC 9110)
            resp.headers["Allow"] = e.headers["Allow"]
        return resp
    except Exception:
        log.exception("internal error on %s %s", request.method, request.path)
        return error_response(500, "internal", "internal server error")
