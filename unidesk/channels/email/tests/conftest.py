"""Real servers for the e-mail tests: an SMTP relay that captures what the desk sends, the
desk's own SMTP receiver, and a Dovecot IMAP server with a throwaway configuration."""

from __future__ import annotations

import datetime as dt
import grp
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from unidesk.channels.email.models import Mailbox

SAMPLES = Path(__file__).parent / "samples"
SUPPORT = "support@demo.unidesk.local"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def mailbox(desk) -> Mailbox:  # type: ignore[no-untyped-def]
    return Mailbox.objects.create(
        address=SUPPORT,
        from_name="Unidesk Support",
        default_queue=desk.general,
        signature="{agent}\nUnidesk Support",
    )


@dataclass
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class CaptureHandler:
    """An SMTP relay of our own that keeps every mail, or answers with a given reply."""

    mails: list[Captured] = field(default_factory=list)
    answer: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer:
            return self.answer
        with self.lock:
            self.mails.append(
                Captured(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 OK"


@pytest.fixture
def relay(settings) -> Iterator[CaptureHandler]:  # type: ignore[no-untyped-def]
    handler = CaptureHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.UNIDESK_SMTP_HOST = "127.0.0.1"
    settings.UNIDESK_SMTP_RELAY_PORT = port
    settings.UNIDESK_SMTP_TLS = "none"
    settings.UNIDESK_SMTP_USER = ""
    yield handler
    controller.stop()


@pytest.fixture
def receiver(settings) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """The desk's SMTP receiver on a free port."""
    from unidesk.channels.email.smtp import start_receiver

    port = free_port()
    controller, handler = start_receiver(host="127.0.0.1", port=port, workers=2)
    yield port
    controller.stop()
    handler.close()


# --- Dovecot ---------------------------------------------------------------------------


@dataclass
class Dovecot:
    root: Path
    imap_port: int
    imaps_port: int
    ca_file: str
    user: str = SUPPORT
    password: str = "s3cret-imap"


def _self_signed(root: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = root / "cert.pem", root / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _wait_for(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"Dovecot did not listen on {port}")


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    """A real Dovecot (Debian's dovecot-imapd) on free ports: plain with STARTTLS, and
    IMAPS, a self-signed certificate, one user, maildir in a temporary folder."""
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(binary):
        pytest.skip("dovecot is not installed (.ci/run installs dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="unidesk-dovecot-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        internal, login = "dovecot", "dovenull"
    else:
        internal = login = pwd.getpwuid(os.getuid()).pw_name
    owner = pwd.getpwnam(internal)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    os.chown(root / "mail", owner.pw_uid, owner.pw_gid)
    cert, key = _self_signed(root)
    key.chmod(0o600)
    imap_port, imaps_port = free_port(), free_port()
    server = Dovecot(root=root, imap_port=imap_port, imaps_port=imaps_port, ca_file=str(cert))
    (root / "passwd").write_text(f"{server.user}:{{PLAIN}}{server.password}\n")
    (root / "dovecot.conf").write_text(
        f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(owner.pw_gid).gr_name}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = {imaps_port}
    ssl = yes
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""
    )
    subprocess.run([binary, "-c", str(root / "dovecot.conf")], check=True)
    try:
        _wait_for(imap_port)
        _wait_for(imaps_port)
        yield server
    finally:
        pid_file = root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, 15)
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.05)
        shutil.rmtree(root, ignore_errors=True)
