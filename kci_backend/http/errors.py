"""Errors a handler raises to answer with a v1 error envelope."""

from __future__ import annotations


class ApiError(Exception):
    """An HTTP answer other than success: `{"code": status, "reason": ..., "errors": [...]}`."""

    def __init__(self, status: int, reason: str | None = None, errors: list[str] | None = None,
                 extra: dict | None = None) -> None:
        super().__init__(reason or str(status))
        self.status = status
        self.reason = reason
        self.errors = errors or []
        self.extra = extra or {}


def forbidden(reason: str | None = None) -> ApiError:
    return ApiError(403, reason)


def not_implemented(reason: str | None = None) -> ApiError:
    return ApiError(501, reason)


def bad_request(reason: str, errors: list[str] | None = None) -> ApiError:
    return ApiError(400, reason, errors)


def invalid_json(*errors: str) -> ApiError:
    return ApiError(400, "Provided JSON is not valid", list(errors))


def not_found(reason: str) -> ApiError:
    return ApiError(404, reason)


def wrong_id() -> ApiError:
    return ApiError(400, "Wrong ID value provided")


def resource_not_found(doc_id: str) -> ApiError:
    return ApiError(404, f"Resource '{doc_id}' not found")
