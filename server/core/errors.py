"""Domain errors: each carries a stable English code and a Chinese message for people."""
from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"
    http_status = 400

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationError(DomainError):
    code = "invalid_input"
    http_status = 422


class NotFoundError(DomainError):
    code = "not_found"
    http_status = 404


class PermissionDeniedError(DomainError):
    code = "forbidden"
    http_status = 403


class InvalidTransitionError(DomainError):
    code = "invalid_transition"
    http_status = 409


class ConflictError(DomainError):
    code = "conflict"
    http_status = 409
