"""HTTP through the ASGI application the server runs: one synchronous chain per request."""

from __future__ import annotations

import asyncio
import inspect
import json

import pytest
from asgiref.testing import ApplicationCommunicator

pytestmark = pytest.mark.django_db(transaction=True)


def http(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[str, object]]:
    from unidesk.config.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }

    async def go() -> tuple[int, dict[str, object]]:
        app = ApplicationCommunicator(application, scope)
        await app.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await app.receive_output(10)
        body = await app.receive_output(10)
        await app.wait(10)
        return start["status"], json.loads(body["body"])

    return asyncio.run(go())


def test_the_middleware_and_views_run_as_one_synchronous_chain() -> None:
    from unidesk.config.asgi import django_application

    assert not inspect.iscoroutinefunction(django_application._middleware_chain)


def test_an_api_call_goes_through_auth_and_middleware_over_asgi(desk) -> None:  # type: ignore[no-untyped-def]
    from unidesk.accounts.models import ApiToken

    status, body = http("/api/v1/queues", [])
    assert status == 401

    _, token = ApiToken.issue(desk.lead)
    status, body = http("/api/v1/queues", [(b"authorization", f"Bearer {token}".encode())])
    assert status == 200
    assert {q["slug"] for q in body} == {"payments", "general"}  # type: ignore[attr-defined]
