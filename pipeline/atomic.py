"""Atomic output: write to a temporary name beside the target, rename when complete.

An interrupted run therefore leaves the previous output intact, never half a file. A run's
whole set of outputs is written into a staging folder beside the output folder and exchanged
with it in one step (:func:`staged_folder`); one run at a time holds the folder's lock
(:func:`output_lock`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success rename it over ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give a normal file's mode
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def folder_mode(folder: Path) -> None:
    """Give a folder made private (``tempfile.mkdtemp`` makes 0700) the mode of any other
    folder made here (0777 less the umask), before it is put in place: colleagues who may read
    the output folder may read it too."""
    os.chmod(folder, 0o777 & ~_umask())


def write_text(target: Path, text: str) -> None:
    """Write a text file atomically (UTF-8)."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


# -- a folder of outputs replaced as one set -------------------------------------------------

STAGING = ".baru-"  # `.<folder>.baru-<pid>`: a set being written, beside the output folder
LOCK = ".kunci"  # `.<folder>.kunci`: the lock file (holds the PID of the run writing)
_RENAME_EXCHANGE = 2


class Busy(Exception):
    """Another run holds the output folder's lock."""

    def __init__(self, folder: Path, pid: str) -> None:
        super().__init__(
            f"Folder keluaran {folder} sedang dipakai oleh proses lain (PID {pid or '?'}); "
            "tunggu sampai proses itu selesai, lalu jalankan lagi."
        )
        self.pid = pid


def _sibling(folder: Path, tag: str) -> Path:
    return folder.parent / f".{folder.name}{tag}"


@contextlib.contextmanager
def output_lock(folder: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the lock of an output folder for one run; :class:`Busy` when another run holds it
    for longer than ``wait`` seconds. The lock dies with its process (``kill -9`` included)."""
    import fcntl  # noqa: PLC0415  # POSIX only
    import time  # noqa: PLC0415

    folder = Path(os.path.abspath(folder))
    folder.parent.mkdir(parents=True, exist_ok=True)
    path = _sibling(folder, LOCK)
    if _mounted(folder):  # the mount's parent may be no place to write (a container's)
        path = folder / path.name
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        until = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= until:
                    pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                    raise Busy(folder, pid) from None
                time.sleep(0.2)
        # the PID written over the old one, then the rest cut: a waiter never reads it empty
        mine = f"{os.getpid()}\n".encode()
        os.pwrite(fd, mine, 0)
        os.ftruncate(fd, len(mine))
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race a waiter)


def clean_staging(folder: Path) -> None:
    """Remove sets left half-written (or replaced) by a run that was killed (its PID, the
    name's last part, no longer runs)."""
    folder = Path(os.path.abspath(folder))
    prefix = f".{folder.name}{STAGING}"
    for place in (folder.parent, folder):  # beside it, or inside a mount point
        if not place.is_dir():
            continue
        for old in place.iterdir():
            if old.name.startswith(prefix) and not _alive(old.name.rsplit("-", 1)[-1]):
                remove_tree(old)


def _mounted(folder: Path) -> bool:
    """Whether ``folder`` is a mount point (a USB stick, a network share, a container's
    volume): it cannot be renamed, so its set is put in place entry by entry."""
    try:
        return folder.is_dir() and not folder.is_symlink() and os.path.ismount(folder)
    except OSError:
        return False


def _alive(pid: str) -> bool:
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def staged_folder(folder: Path, keep: Callable[[str], bool]) -> Iterator[Path]:
    """Yield an empty staging folder beside ``folder``; on success it replaces ``folder`` in one
    step (an atomic exchange where the system has one), keeping the entries of the old folder
    for which ``keep(name)`` is true (hard links, no copy). On failure, the old folder is
    untouched and the staging folder removed."""
    folder = Path(os.path.abspath(folder))
    folder.parent.mkdir(parents=True, exist_ok=True)
    inside = _mounted(folder)
    staging = _sibling(folder, f"{STAGING}{os.getpid()}")
    if inside:  # on the mount's own file system, so that its entries can be renamed in
        staging = folder / staging.name
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        if inside:
            _put_entries(staging, folder, keep)
            return
        if folder.is_dir():
            for entry in sorted(folder.iterdir()):
                if keep(entry.name) and not (staging / entry.name).exists():
                    _link_copy(entry, staging / entry.name)
        folder_mode(staging)
        if folder.is_dir():  # the folder keeps its own mode, group and owner (a folder a
            # secretariat made private, or shared with a group, stays so)
            _same_access(folder, staging)
        _swap(staging, folder)
    finally:
        remove_tree(staging)  # the new set if it failed, else the old one


def remove_tree(path: Path) -> None:
    """Remove a folder and all it holds, also one left read-only: the old set keeps the mode
    of an output folder the secretariat made read-only (555), and its entries could not be
    removed from it, so each run left one more staging folder behind."""
    shutil.rmtree(path, ignore_errors=True)
    if not os.path.lexists(path) or os.path.islink(path):
        return
    with contextlib.suppress(OSError):
        os.chmod(path, stat.S_IMODE(os.lstat(path).st_mode) | stat.S_IRWXU)
    for root, dirs, _files in os.walk(path):
        for name in [root, *(os.path.join(root, d) for d in dirs)]:
            with contextlib.suppress(OSError):
                if not os.path.islink(name):
                    os.chmod(name, stat.S_IMODE(os.lstat(name).st_mode) | stat.S_IRWXU)
    shutil.rmtree(path, ignore_errors=True)


def _put_entries(staging: Path, folder: Path, keep: Callable[[str], bool]) -> None:
    """A mount point's new set, put in place entry by entry (each file replaced in one step, a
    sub-folder exchanged with its new one): the folder itself cannot be swapped. The previous
    set's entries the new set does not have, and ``keep`` does not keep, are removed."""
    new = sorted(e.name for e in staging.iterdir())
    for name in new:
        src, dst = staging / name, folder / name
        if src.is_dir() and dst.is_dir() and not dst.is_symlink():
            if not _exchange(src, dst):
                old = folder / f"{staging.name}-lama-{name}"
                os.rename(dst, old)
                os.rename(src, dst)
                os.rename(old, src)
            continue  # the old sub-folder is now in the staging folder, removed with it
        if dst.is_dir() and not dst.is_symlink():
            shutil.rmtree(dst)
        os.replace(src, dst)
    made = set(new)
    for entry in sorted(folder.iterdir()):
        if entry == staging or entry.name in made or keep(entry.name):
            continue
        if entry.name.startswith(f"{staging.name}-lama-"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _same_access(old: Path, new: Path) -> None:
    """Give ``new`` (and each sub-folder the new set shares with ``old``) the permission bits,
    group and owner of ``old``'s, as far as this process may."""
    for before, after in [(old, new)] + [
        (old / d.name, d) for d in new.iterdir() if d.is_dir() and (old / d.name).is_dir()
    ]:
        info = before.stat()
        try:
            os.chown(after, info.st_uid, info.st_gid)
        except OSError:  # not the owner (or not root): the group, if one of ours
            with contextlib.suppress(OSError):
                os.chown(after, -1, info.st_gid)
        with contextlib.suppress(OSError):
            os.chmod(after, stat.S_IMODE(info.st_mode))


def _link_copy(src: Path, dst: Path) -> None:
    def link(a: str, b: str) -> None:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    if src.is_symlink() or not src.is_dir():
        if src.is_symlink():
            os.symlink(os.readlink(src), dst)
        else:
            link(str(src), str(dst))
    else:
        shutil.copytree(src, dst, symlinks=True, copy_function=link)


def _swap(staging: Path, folder: Path) -> None:
    """``staging`` becomes ``folder``; the old ``folder`` ends at ``staging`` (to be removed)."""
    if not folder.exists():
        os.rename(staging, folder)
        return
    if _exchange(staging, folder):
        return
    old = _sibling(folder, f"{STAGING}lama-{os.getpid()}")  # no exchange: two quick renames
    os.rename(folder, old)
    os.rename(staging, folder)
    os.rename(old, staging)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False if unavailable."""
    import ctypes  # noqa: PLC0415
    import ctypes.util  # noqa: PLC0415

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


# What a full or read-only disk (or a folder without the right to write) raises: a problem of
# where the outputs go, never of one Pemda's or one OPD's data.
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def os_error(exc: BaseException) -> OSError | None:
    """The operating system's error behind ``exc``: itself, or the one a writer wrapped (the
    xlsx writer raises its own exception around the OSError of a full disk); else None."""
    if isinstance(exc, OSError):
        return exc
    inner = exc.args[0] if exc.args else None
    return inner if isinstance(inner, OSError) else None


def output_failure(exc: BaseException) -> OSError | None:
    """:func:`os_error` when it is a problem of the output's disk (:data:`OUTPUT_ERRNOS`)."""
    found = os_error(exc)
    return found if found is not None and found.errno in OUTPUT_ERRNOS else None
