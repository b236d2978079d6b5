"""Errors that services raise and the API turns into readable 4xx answers."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; `status` is the HTTP status an API answers with."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
