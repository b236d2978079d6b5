"""`unidesk run`, what `make run` starts: a desk on SQLite with no Redis, where mail taken in
by its SMTP receiver reaches an agent's open workspace live."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import smtplib
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from email.message import EmailMessage
from pathlib import Path

from websockets.sync.client import connect

# The demo desk's queues, agents (lena/demo is a lead) and mailbox, without its traffic.
SETUP = "from unidesk.ops import demo; demo.seed_config(); demo.ensure_demo_mailbox()"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_login_page(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, "unidesk run exited"
        try:
            with urllib.request.urlopen(f"{base}/login/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("unidesk run did not serve the login page")


def _log_in(base: str) -> str:
    """Log in as the lead through the login form; the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    data = {"username": "lena", "password": "demo", "csrfmiddlewaretoken": token.group(1)}
    opener.open(f"{base}/login/", urllib.parse.urlencode(data).encode())
    cookies = {cookie.name: cookie.value for cookie in jar}
    assert "sessionid" in cookies, "the login did not take"
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def test_mail_reaches_an_open_workspace_live_without_redis(tmp_path: Path) -> None:
    web, smtp = _free_port(), _free_port()
    env = {
        **os.environ,
        "UNIDESK_VAR_DIR": str(tmp_path),
        "UNIDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'desk.sqlite3'}",
        "UNIDESK_SMTP_PORT": str(smtp),
        "UNIDESK_LOG_LEVEL": "WARNING",
    }
    env.pop("UNIDESK_REDIS_URL", None)
    unidesk = [sys.executable, "-m", "unidesk.cli"]
    subprocess.run([*unidesk, "migrate", "-v", "0"], env=env, check=True, timeout=120)
    subprocess.run([*unidesk, "shell", "-c", SETUP], env=env, check=True, timeout=120)
    process = subprocess.Popen(
        [*unidesk, "run", "--port", str(web)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{web}"
    try:
        _wait_for_login_page(base, process)
        headers = {"Cookie": _log_in(base), "Origin": base}
        with connect(f"ws://127.0.0.1:{web}/ws/desk/", additional_headers=headers) as socket_:
            mail = EmailMessage()
            mail["From"] = "Ana <ana@example.org>"
            mail["To"] = "support@demo.unidesk.local"
            mail["Subject"] = "Where is my refund?"
            mail.set_content("I paid twice for order 1234.")
            with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
                client.send_message(mail)

            deadline = time.monotonic() + 30
            notices = []
            while time.monotonic() < deadline:
                notice = json.loads(socket_.recv(timeout=deadline - time.monotonic()))
                notices.append(notice)
                if notice.get("event") == "ticket":
                    break
        assert notices[-1]["event"] == "ticket", notices
    finally:
        process.terminate()
        process.wait(timeout=60)
    # It stopped cleanly, its threads with it.
    assert process.returncode == 0
