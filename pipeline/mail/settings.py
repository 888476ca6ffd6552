"""Mail server settings from environment variables, TLS contexts, and environment errors.

IMAP (``ambil``): ``SAKIP_IMAP_HOST``, ``SAKIP_IMAP_PORT``, ``SAKIP_IMAP_USER``,
``SAKIP_IMAP_PASSWORD``, ``SAKIP_IMAP_FOLDER`` (default ``INBOX``), ``SAKIP_IMAP_TLS`` (``ssl``
| ``starttls`` | ``tidak``, default ``ssl``), ``SAKIP_IMAP_VERIFIKASI`` (``ya`` | ``tidak``,
default ``ya``: the server's certificate and host name are checked) and ``SAKIP_IMAP_CAFILE``
(a PEM file of extra trusted certificates, e.g. a Pemda's own CA). SMTP (``balas --kirim``): the
same names with ``SMTP`` (no folder) plus ``SAKIP_SMTP_FROM`` (sender address, default the
user name). The password is only ever handed to the server's login command: it is not in any
message, log, ledger or ``repr``.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.sanitize import visible

# Exit codes of `ambil` and `balas` for environment problems (README: exit-code table).
EXIT_SETTINGS = 4  # settings missing or invalid, or the mail folder does not exist
EXIT_UNREACHABLE = 5  # server unreachable, timed out or hung up
EXIT_TLS = 6  # TLS failed: certificate not trusted, wrong host name, no TLS offered
EXIT_LOGIN = 7  # user name or password refused
EXIT_LOCAL = 8  # local files: ledger, input folder, report manifest

TLS_MODES = ("ssl", "starttls", "tidak")
DEFAULT_PORTS = {
    "imap": {"ssl": 993, "starttls": 143, "tidak": 143},
    "smtp": {"ssl": 465, "starttls": 587, "tidak": 25},
}
TIMEOUT = 30.0  # seconds for connecting and for each server reply


class MailError(Exception):
    """An environment problem: one Indonesian sentence and the exit code to end with."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ServerSettings:
    """Where and how to connect. ``password`` is hidden from ``repr``."""

    kind: str  # "imap" | "smtp"
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    tls: str = "ssl"
    verify: bool = True
    cafile: str = ""
    folder: str = "INBOX"
    sender: str = ""

    @property
    def account(self) -> str:
        """``imap://user@host:port/folder``: names the mailbox in the ledger (no password)."""
        return f"{self.kind}://{self.user}@{self.host}:{self.port}/{self.folder}"

    def context(self) -> ssl.SSLContext:
        """The TLS context: system CAs (plus ``cafile``), host name checked unless turned off."""
        try:
            ctx = ssl.create_default_context(cafile=self.cafile or None)
        except (OSError, ssl.SSLError) as exc:
            raise MailError(
                f"Berkas sertifikat SAKIP_{self.kind.upper()}_CAFILE ({self.cafile}) tidak "
                "dapat dibaca.",
                EXIT_SETTINGS,
            ) from exc
        if not self.verify:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        return ctx


def _env(env: Mapping[str, str], kind: str, name: str) -> str:
    return env.get(f"SAKIP_{kind.upper()}_{name}", "").strip()


def configured(kind: str, env: Mapping[str, str] | None = None) -> bool:
    """Whether any ``SAKIP_<KIND>_*`` variable is set (``ambil`` without IMAP reads files only)."""
    env = os.environ if env is None else env
    prefix = f"SAKIP_{kind.upper()}_"
    return any(k.startswith(prefix) and v.strip() for k, v in env.items())


def load(kind: str, env: Mapping[str, str] | None = None) -> ServerSettings:
    """Read the settings of ``kind`` (``imap`` or ``smtp``) or raise :class:`MailError` (4)."""
    env = os.environ if env is None else env
    upper = kind.upper()
    required = ["HOST"] + (["USER", "PASSWORD"] if kind == "imap" else [])
    missing = [f"SAKIP_{upper}_{n}" for n in required if not _env(env, kind, n)]
    user = _env(env, kind, "USER")
    if kind == "smtp" and user and not _env(env, kind, "PASSWORD"):
        missing.append(f"SAKIP_{upper}_PASSWORD")
    if missing:
        raise MailError(
            f"Pengaturan {upper} belum lengkap: isi variabel lingkungan {', '.join(missing)} "
            "(lihat README, bagian surel).",
            EXIT_SETTINGS,
        )
    for name in ("USER", "PASSWORD"):
        if not _env(env, kind, name).isascii():  # the value itself is never shown
            raise MailError(
                f"SAKIP_{upper}_{name} memuat huruf di luar ASCII (huruf beraksen, huruf non-"
                "Latin): login surel hanya menerima ASCII. Ganti isinya, atau buat sandi "
                "aplikasi di penyedia surel.",
                EXIT_SETTINGS,
            )
    host = _env(env, kind, "HOST")
    try:
        host.encode("idna")
    except UnicodeError:
        raise MailError(
            f"SAKIP_{upper}_HOST bernilai '{visible(host[:80])}', bukan nama server yang sah "
            f"(misalnya {kind}.pemda.go.id).",
            EXIT_SETTINGS,
        ) from None
    tls = (_env(env, kind, "TLS") or "ssl").lower()
    if tls not in TLS_MODES:
        raise MailError(
            f"SAKIP_{upper}_TLS bernilai '{tls}'; pilihan yang sah: ssl, starttls, tidak.",
            EXIT_SETTINGS,
        )
    verify_text = (_env(env, kind, "VERIFIKASI") or "ya").lower()
    if verify_text not in ("ya", "tidak"):
        raise MailError(
            f"SAKIP_{upper}_VERIFIKASI bernilai '{verify_text}'; pilihan yang sah: ya, tidak.",
            EXIT_SETTINGS,
        )
    port_text = _env(env, kind, "PORT")
    try:
        port = int(port_text) if port_text else DEFAULT_PORTS[kind][tls]
        if not 0 < port < 65536:
            raise ValueError(port)
    except ValueError as exc:
        raise MailError(
            f"SAKIP_{upper}_PORT bernilai '{port_text}'; isi nomor port (misalnya "
            f"{DEFAULT_PORTS[kind][tls]}).",
            EXIT_SETTINGS,
        ) from exc
    sender = _env(env, kind, "FROM") or (user if "@" in user else "")
    if kind == "smtp" and not sender:
        raise MailError(
            "Alamat pengirim belum diisi: isi SAKIP_SMTP_FROM (misalnya sakip@pemda.go.id).",
            EXIT_SETTINGS,
        )
    return ServerSettings(
        kind=kind,
        host=_env(env, kind, "HOST"),
        port=port,
        user=user,
        password=env.get(f"SAKIP_{upper}_PASSWORD", ""),
        tls=tls,
        verify=verify_text == "ya",
        cafile=_env(env, kind, "CAFILE"),
        folder=_env(env, kind, "FOLDER") or "INBOX",
        sender=sender,
    )


def describe_failure(settings: ServerSettings, exc: BaseException) -> MailError:
    """Turn a connection-time exception into one Indonesian sentence and an exit code.

    Only the host, port and the exception's class go into the text, never the password.
    """
    where = f"{settings.host}:{settings.port}"
    name = settings.kind.upper()
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(
            f"Sertifikat TLS server {name} {where} tidak dapat diverifikasi "
            f"({exc.verify_message}); periksa nama server, atau isi SAKIP_{name}_CAFILE dengan "
            f"sertifikat CA-nya (SAKIP_{name}_VERIFIKASI=tidak hanya untuk uji coba).",
            EXIT_TLS,
        )
    if isinstance(exc, ssl.SSLError):
        return MailError(
            f"Sambungan TLS ke server {name} {where} gagal ({exc.reason or type(exc).__name__}); "
            f"periksa SAKIP_{name}_TLS dan SAKIP_{name}_PORT.",
            EXIT_TLS,
        )
    if isinstance(exc, TimeoutError):
        return MailError(
            f"Server {name} {where} tidak menjawab dalam {TIMEOUT:g} detik.", EXIT_UNREACHABLE
        )
    if isinstance(exc, OSError):
        return MailError(
            f"Server {name} {where} tidak dapat dihubungi ({type(exc).__name__}); periksa "
            f"SAKIP_{name}_HOST, SAKIP_{name}_PORT dan jaringan.",
            EXIT_UNREACHABLE,
        )
    return MailError(
        f"Percakapan dengan server {name} {where} terputus atau jawabannya tidak dapat "
        f"dipahami ({type(exc).__name__}); yang sudah selesai tetap tercatat di buku kiriman, "
        "jalankan perintah yang sama lagi untuk melanjutkan.",
        EXIT_UNREACHABLE,
    )
