"""Real mail servers for the tests, on 127.0.0.1, started and stopped by the test.

* :class:`Dovecot`: the ``dovecot`` IMAP server with a throw-away configuration in a temporary
  folder (passwd-file user, Maildir built from messages the test writes, optional self-signed
  TLS certificate). As root, Dovecot refuses root for its login and mail processes, so the
  mail files then belong to ``nobody``.
* :class:`SmtpSink`: an aiosmtpd server in this process that keeps every message it receives.
* :func:`make_eml`: a message with attachments, as a mail client would send it.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def dovecot_available() -> bool:
    return Path(DOVECOT).is_file() and os.access(DOVECOT, os.X_OK)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_eml(
    sender: str,
    subject: str,
    files: list[tuple[str, bytes]],
    sent: dt.datetime,
    message_id: str,
    to: str = "sakip@pemda.example",
) -> bytes:
    """A message with workbook (or other) attachments, as bytes."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = message_id
    msg.set_content("Terlampir berkas capaian kinerja.\n")
    for name, data in files:
        if name.lower().endswith((".xlsx", ".xlsm")):
            maintype, subtype = XLSX
        elif name.lower().endswith(".zip"):
            maintype, subtype = "application", "zip"
        else:
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 / localhost signed by itself, and its key (PEM)."""
    import ipaddress

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
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Dovecot:
    """A private Dovecot on 127.0.0.1: ``port`` (plain, STARTTLS offered when TLS is on) and
    ``ssl_port`` (implicit TLS). Use as a context manager."""

    def __init__(self, user: str = "sekretariat", password: str = "rahasia", tls: bool = True):
        self.user, self.password, self.tls = user, password, tls
        # Outside pytest's private (0700) folders: Dovecot's unprivileged processes must
        # reach the configuration, the passwd file and the Maildir.
        self.root = Path(tempfile.mkdtemp(prefix="sakip-dovecot-"))
        self.root.chmod(0o755)
        self.port = free_port()
        self.ssl_port = free_port() if tls else 0
        self.maildir = self.root / "mail" / user
        self.cert: Path | None = None
        if os.geteuid() == 0:
            account = pwd.getpwnam("nobody")
            self.owner = (account.pw_uid, account.pw_gid)
            self.service_user = "nobody"
        else:
            self.owner = (os.getuid(), os.getgid())
            self.service_user = pwd.getpwuid(os.getuid()).pw_name
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        self._count = 0

    def config(self) -> str:
        root = self.root
        ssl = "no"
        extra = ""
        if self.tls:
            self.cert, key = self_signed_cert(root)
            ssl = "yes"
            extra = f"ssl_cert = <{self.cert}\nssl_key = <{key}\n"
        return f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_internal_user = {self.service_user}
default_login_user = {self.service_user}
ssl = {ssl}
{extra}disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
mail_location = maildir:{root}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.ssl_port}
  }}
}}
service anvil {{
  chroot =
}}
"""

    def deliver(self, raw: bytes, received: dt.datetime) -> None:
        """Put a message into the Maildir; its mtime is the server's receipt time."""
        self._count += 1
        stamp = int(received.timestamp())
        path = self.maildir / "new" / f"{stamp}.M{self._count}P1.sakip"
        path.write_bytes(raw)
        os.utime(path, (stamp, stamp))
        os.chown(path, *self.owner) if os.geteuid() == 0 else None

    def start(self) -> Dovecot:
        (self.root / "passwd").write_text(
            f"{self.user}:{{PLAIN}}{self.password}:{self.owner[0]}:{self.owner[1]}::"
            f"{self.maildir}::\n",
            encoding="utf-8",
        )
        (self.root / "dovecot.conf").write_text(self.config(), encoding="utf-8")
        if os.geteuid() == 0:
            for path in [self.root / "mail", *(self.root / "mail").rglob("*")]:
                os.chown(path, *self.owner)
        started = subprocess.run(  # the daemon keeps no pipe of ours open
            [DOVECOT, "-c", str(self.root / "dovecot.conf")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
        if started.returncode != 0:
            raise RuntimeError(f"dovecot did not start:\n{self.log()}")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start:\n{self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            subprocess.run(
                [DOVECOT, "-c", str(self.root / "dovecot.conf"), "stop"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=30,
                check=False,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self, **overrides: str) -> dict[str, str]:
        """``SAKIP_IMAP_*`` for this server (plain IMAP unless overridden)."""
        env = {
            "SAKIP_IMAP_HOST": "127.0.0.1",
            "SAKIP_IMAP_PORT": str(self.port),
            "SAKIP_IMAP_USER": self.user,
            "SAKIP_IMAP_PASSWORD": self.password,
            "SAKIP_IMAP_TLS": "tidak",
        }
        env.update(overrides)
        return env


class SmtpSink:
    """An aiosmtpd SMTP server on 127.0.0.1 keeping every message (``messages``: bytes)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_recipients = ""  # a reply ('550 …'): every RCPT TO is answered with it
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refuse_recipients:
            return self.refuse_recipients
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(bytes(envelope.original_content or envelope.content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            "SAKIP_SMTP_HOST": "127.0.0.1",
            "SAKIP_SMTP_PORT": str(self.port),
            "SAKIP_SMTP_TLS": "tidak",
            "SAKIP_SMTP_FROM": "sakip@pemda.example",
        }
        env.update(overrides)
        return env
