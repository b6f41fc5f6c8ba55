"""Real mail servers for the email tests, each on a free loopback port with a temporary
configuration, stopped after the test:
- IMAP: Debian's Dovecot (`dovecot-imapd`, installed by .ci/run), started in the foreground
  with its own config, passwd file and maildirs under a fresh directory (skip when missing);
- SMTP: an aiosmtpd sink speaking STARTTLS with a self-signed certificate made by openssl."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "support@example.test", "imap-test-password-7"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("dovecot did not listen in time")


@dataclass
class Dovecot:
    port: int
    root: Path
    proc: subprocess.Popen

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)


def start_dovecot() -> Dovecot:
    if not os.path.exists(DOVECOT):
        pytest.skip("dovecot-imapd is not installed (.ci/run installs it)")
    if os.geteuid() != 0:
        pytest.skip("Dovecot's master process needs root to start its login services")
    owner = pwd.getpwnam("dovecot")
    root = Path(tempfile.mkdtemp(prefix="calldesk-imap-"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    for sub in ("mail", "home", "state"):
        os.chown(root / sub, owner.pw_uid, owner.pw_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {owner.pw_uid}
mail_location = maildir:{root}/mail/%n
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={root}/home/%n
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
}}
""")
    proc = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        _wait_port(port, proc, root / "dovecot.log")
    except Exception:
        proc.kill()
        raise
    return Dovecot(port, root, proc)


@dataclass
class SmtpSink:
    port: int
    cafile: str
    messages: list[Message] = field(default_factory=list)
    tls_used: list[bool] = field(default_factory=list)
    controller: object = None

    def stop(self) -> None:
        self.controller.stop()  # type: ignore[attr-defined]


def start_smtp_sink(tmp: Path) -> SmtpSink:
    import ssl

    from aiosmtpd.controller import Controller

    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make the sink's certificate")
    cert, key = tmp / "sink.crt", tmp / "sink.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    sink = SmtpSink(0, str(cert))

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            sink.tls_used.append(session.ssl is not None)
            sink.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    port = free_port()
    controller = Controller(
        Handler(), hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True
    )
    controller.start()
    sink.port, sink.controller = port, controller
    return sink
