"""Find the Pemda under a root folder: ``<root>/<any name>/master/<spec>.xlsx`` (exactly one)
and ``<root>/<any name>/input_xlsx/``, each laid out like this repository's data.

A folder that cannot be run (no spec, several specs, no input folder or an empty one, a Kode
Pemda another folder already uses, another reporting year) keeps its place in the list with the
reason, so it becomes one row of the national outputs instead of disappearing.
"""

from __future__ import annotations

import errno
import io
import os
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from python_calamine import CalamineWorkbook

from pipeline.ingest import INPUT_SUFFIXES, has_inputs, os_reason, screen_workbook
from pipeline.master import column_title, spec_value
from pipeline.numbers import cell_text
from pipeline.renja import periode_baku
from pipeline.sanitize import visible
from pipeline.schema import KODE_PEMDA, WINDOWS_DEVICE

SPEC_FOLDER = "master"
INPUT_FOLDER = "input_xlsx"
# A spec is a workbook ``report`` reads as one (values only: a macro never runs), .xlsm too.
SPEC_SUFFIXES = INPUT_SUFFIXES


@dataclass(frozen=True)
class PemdaFolder:
    """One folder under the root: where its spec and inputs are, or why it cannot be run."""

    order: int
    folder: str
    spec: Path | None
    input_dir: Path
    files: int = 0
    kode_pemda: str = ""
    nama_pemda: str = ""
    tahun: str = ""
    problem: str = ""
    # from the spec's pemda sheet, also for a folder that is not run: its row keeps its
    # province (a province whose Pemda has sent nothing yet is not shown complete)
    kode_provinsi: str = ""
    nama_provinsi: str = ""
    periode: str = ""


def discover(root: Path) -> list[PemdaFolder]:
    """Every Pemda folder under ``root`` in name order, or a row saying why it cannot be run:
    a folder that cannot be opened, one holding its Pemda one level too deep (as an archive
    often unpacks), one holding Excel workbooks elsewhere than in ``master/`` and
    ``input_xlsx/``, a workbook lying in the root itself. ``Master/`` and ``INPUT_XLSX/`` are
    found as written on Windows. A folder with neither and no workbook (notes, an archive),
    hidden folders (``.git``) and ``__MACOSX`` are not Pemda folders and are left out."""
    found: list[PemdaFolder] = []
    entries = [
        p
        for p in sorted(Path(root).iterdir())
        if not p.name.startswith(".") and p.name != "__MACOSX"
    ]
    real = _real_owners(entries)
    for path in entries:
        try:
            twin = real.get(path)
            if twin is not None:
                problem = (
                    f"Folder ini tautan ke folder yang sama dengan {visible(twin.name)} di root "
                    "ini; Pemda itu diolah sekali, dari folder itu."
                )
                found.append(_stopped(len(found), path, problem))
                continue
            if not path.is_dir():
                # a Pemda folder behind a broken link, or still in its archive, would vanish
                broken = _broken_link(path) or _packed(path) or _loose(path)
                if broken:
                    found.append(_stopped(len(found), path, broken))
                continue
            master, inputs = _child(path, SPEC_FOLDER), _child(path, INPUT_FOLDER)
            if not master.is_dir() and not inputs.is_dir():
                nested = _nested(len(found), path)  # else not a Pemda folder (notes, archive)
                if nested is not None:
                    found.append(nested)
                continue
            found.append(_folder(len(found), path, master, inputs))
        except OSError as exc:  # this folder's, never the run's: one row with the reason
            exc = _listing(path) or exc  # the folder itself, when that is what is locked
            what = _within(path, exc.filename)
            problem = f"{what} tidak dapat dibuka ({os_reason(exc)})."
            found.append(_stopped(len(found), path, problem))
    return _counted_once(_same_year_unique_codes(found))


def _counted_once(folders: list[PemdaFolder]) -> list[PemdaFolder]:
    """A folder not run whose spec names a Pemda another folder runs (a stray copy, a revision
    beside two specs) keeps its code and name but not its province: the province counts that
    Pemda once, by the folder that is run."""
    run = {f.kode_pemda.casefold() for f in folders if not f.problem and f.kode_pemda}
    return [
        replace(f, kode_provinsi="", nama_provinsi="")
        if f.problem and f.kode_pemda and f.kode_pemda.casefold() in run
        else f
        for f in folders
    ]


def _real_owners(entries: list[Path]) -> dict[Path, Path]:
    """Each entry that is a link to a folder another entry of the root also is, and that
    entry (the folder itself before any link to it, else the first by name)."""
    by_real: dict[str, list[Path]] = {}
    for path in entries:
        try:
            if path.is_dir():
                by_real.setdefault(os.path.realpath(path), []).append(path)
        except OSError:  # said on its own row
            continue
    out = {}
    for paths in by_real.values():
        owner = min(paths, key=lambda p: (p.is_symlink(), p.name))
        out.update({p: owner for p in paths if p != owner})
    return out


def _stopped(order: int, path: Path, problem: str) -> PemdaFolder:
    """The row of an entry of the root that cannot be run, with the reason."""
    return PemdaFolder(order, visible(path.name), None, path / INPUT_FOLDER, problem=problem)


def _broken_link(path: Path) -> str:
    """Why an entry of the root that is a link leading nowhere is not followed ('' for
    anything else: a file, a link to a file)."""
    if not path.is_symlink():
        return ""
    try:
        path.stat()
    except OSError as exc:
        what = "berputar" if exc.errno == errno.ELOOP else "rusak (tujuannya tidak ada)"
        return (
            f"Tautan simbolik ini {what}: menunjuk ke {visible(os.readlink(path))}; tidak "
            "diikuti. Jika itu folder Pemda, pastikan tujuannya ada (misalnya drive jaringan "
            "sudah tersambung) atau salin foldernya ke sini."
        )
    return ""


def _packed(path: Path) -> str:
    """Why a .zip in the root holding a Pemda's ``master/`` or ``input_xlsx/`` is not run (''
    for any other file: notes, an archive of something else)."""
    if path.suffix.lower() != ".zip" or not path.is_file():
        return ""
    try:
        if not 0 < _zip_entries(path) <= MAX_ZIP_ENTRIES:  # its listing would fill memory
            return ""
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (OSError, zipfile.BadZipFile, ValueError):
        return ""
    folders = {part.casefold() for name in names for part in name.split("/")[:-1]}
    if not folders & {SPEC_FOLDER, INPUT_FOLDER}:
        return ""
    return (
        f"Berkas arsip {visible(path.name)} memuat folder {SPEC_FOLDER}/ atau {INPUT_FOLDER}/ "
        "tetapi belum diekstrak, sehingga Pemda di dalamnya tidak diolah. Ekstrak arsip ini "
        "menjadi satu folder Pemda di root (berisi master/ dan input_xlsx/ langsung di "
        "dalamnya), lalu jalankan lagi."
    )


# A zipped Pemda folder holds a few hundred files; a zip declaring more is not listed (a
# million entries take the run's own process about half a gigabyte to list).
MAX_ZIP_ENTRIES = 10_000


def _zip_entries(path: Path) -> int:
    """The number of entries a zip declares at its end (-1 when it declares none it can
    give: no end record, or a ZIP64 count), read without listing them."""
    with path.open("rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - 65_557))  # the end record and a comment of at most 64 KiB
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 12 > len(tail):
        return -1
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    return -1 if count == 0xFFFF else count


def _listing(folder: Path) -> OSError | None:
    """Why ``folder`` cannot be listed, if it cannot."""
    try:
        with os.scandir(folder):
            return None
    except OSError as exc:
        return exc


def _within(folder: Path, filename: object) -> str:
    """``Folder ini`` or ``master/spec.xlsx`` (the entry of ``folder`` that failed)."""
    try:
        inside = Path(str(filename)).relative_to(folder)
    except ValueError:
        return "Folder ini"
    return f"'{visible(inside.as_posix())}'" if inside.parts else "Folder ini"


def _child(path: Path, name: str) -> Path:
    """``path/name``, or the one entry whose name is ``name`` in another letter case."""
    exact = path / name
    if exact.is_dir():
        return exact
    alike = [p for p in path.iterdir() if p.name.casefold() == name and p.is_dir()]
    return alike[0] if len(alike) == 1 else exact


def _nested(order: int, path: Path) -> PemdaFolder | None:
    """A folder with neither ``master/`` nor ``input_xlsx/`` but a folder inside that has
    them (an archive unpacked one level too deep): a row saying so. None for any other
    folder, which is no Pemda's."""
    inner = sorted(
        p.name
        for p in path.iterdir()
        if p.is_dir() and (_child(p, SPEC_FOLDER).is_dir() or _child(p, INPUT_FOLDER).is_dir())
    )
    if not inner:
        return _misplaced(order, path)
    if len(inner) == 1:
        problem = (
            f"Tidak ada folder {SPEC_FOLDER}/ dan {INPUT_FOLDER}/ di sini, tetapi folder "
            f"{visible(inner[0])} di dalamnya memuat keduanya: pindahkan isinya satu tingkat ke "
            "atas."
        )
    else:  # a province's folder of Pemda folders under a national root
        names = ", ".join(visible(n) for n in inner[:3]) + (", …" if len(inner) > 3 else "")
        problem = (
            f"Tidak ada folder {SPEC_FOLDER}/ dan {INPUT_FOLDER}/ di sini, tetapi {len(inner)} "
            f"folder di dalamnya masing-masing folder Pemda ({names}); tidak satu pun diolah. "
            "Pindahkan folder-folder Pemda itu satu tingkat ke atas, ke samping folder Pemda "
            f"lain, atau jalankan konsolidasi dengan --root {visible(str(path))} untuk Pemda di "
            "dalamnya saja."
        )
    return _stopped(order, path, problem)


# What a Pemda's files are: a folder holding them, but not in master/ and input_xlsx/, is a
# Pemda laid out wrongly (all in one folder, 'masters/', 'input/'), not notes or an archive.
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def _misplaced(order: int, path: Path) -> PemdaFolder | None:
    """A folder with neither ``master/`` nor ``input_xlsx/`` that holds Excel workbooks, in it
    or in a folder inside (``masters/``, ``input/``): a row saying where they must go. None
    for a folder without any (notes, photos), which is no Pemda's."""
    if path.name.casefold() in (SPEC_FOLDER, INPUT_FOLDER):  # the root is one Pemda's folder:
        return None  # said as such when no Pemda folder is found
    if (path / "manifest.json").is_file():  # a report's or a national run's outputs
        return None
    where: dict[str, int] = {}
    for entry in sorted(path.iterdir()):
        if entry.name.startswith(".") or entry.name == "__MACOSX":
            continue
        if entry.is_dir() and not (entry / "manifest.json").is_file():
            try:
                inside = [e for e in entry.iterdir() if _a_workbook(e)]
            except OSError:  # a folder inside that cannot be listed: nothing seen there
                continue
            if inside:
                where[f"{visible(entry.name)}/"] = len(inside)
        elif _a_workbook(entry):
            where["folder ini"] = where.get("folder ini", 0) + 1
    if not where:
        return None
    said = ", ".join(f"{n} di {place}" for place, n in where.items())
    return _stopped(
        order,
        path,
        f"Folder ini memuat buku kerja Excel ({said}) tetapi tidak ada folder {SPEC_FOLDER}/ dan "
        f"{INPUT_FOLDER}/: letakkan master spec di {SPEC_FOLDER}/ dan berkas OPD di "
        f"{INPUT_FOLDER}/ (nama folder persis seperti itu), lalu jalankan lagi.",
    )


def _a_workbook(entry: Path) -> bool:
    """A Pemda's workbook: a master spec (a sheet ``pemda``) or an OPD's file (the template's
    sheet ``_meta``), by the sheet names its package lists; not a report, a recap, notes."""
    if not (
        entry.suffix.lower() in _WORKBOOK_SUFFIXES
        and not entry.name.startswith(("~$", ".~lock"))
        and entry.is_file()
    ):
        return False
    try:
        with zipfile.ZipFile(entry) as zf:
            info = zf.getinfo("xl/workbook.xml")
            if info.file_size > MAX_WORKBOOK_XML:
                return False
            listed = zf.read(info)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RuntimeError):
        return False
    names = {n.casefold() for n in _SHEET_NAME.findall(listed.decode("utf-8", "replace"))}
    return bool(names & {"pemda", "_meta"})


_SHEET_NAME = re.compile(r"<(?:\w+:)?sheet\b[^>]*\bname=\"([^\"]*)\"")
MAX_WORKBOOK_XML = 1 << 20  # a workbook's list of sheets; a larger one is no template's


def _loose(path: Path) -> str:
    """Why a workbook lying in the root itself is not run ('' for any other file)."""
    if not _a_workbook(path):
        return ""
    return (
        f"Buku kerja {visible(path.name)} terletak langsung di root, bukan di folder Pemda: "
        f"setiap Pemda satu folder di root, berisi {SPEC_FOLDER}/ (master spec) dan "
        f"{INPUT_FOLDER}/ (berkas OPD)."
    )


def _leaves(folder: Path, entry: Path) -> str:
    """Where ``entry`` (a link) points when it leads out of ``folder``, else ''. A Pemda's
    ``master/``, ``input_xlsx/`` and spec are its own: a link to another Pemda's would run
    that Pemda's spec or files under this folder (and take its Kode Pemda from it)."""
    real = os.path.realpath(folder)
    if os.path.commonpath([real, os.path.realpath(entry)]) == real:
        return ""
    return visible(os.readlink(entry)) if entry.is_symlink() else visible(str(entry.resolve()))


def _linked_out(folder: Path, entry: Path, what: str) -> str:
    """Why a Pemda folder whose ``what`` is a link out of it is not run ('' when it is not)."""
    target = _leaves(folder, entry)
    if not target:
        return ""
    return (
        f"{what} adalah tautan simbolik ke luar folder Pemda ini (ke {target}); tidak "
        "diikuti, karena berkas satu Pemda tidak boleh dibaca sebagai milik Pemda lain. "
        "Salin master spec dan berkas OPD Pemda ini ke foldernya sendiri."
    )


def _twins(folder: Path) -> str:
    """Why a folder holding ``input_xlsx/`` (or ``master/``) twice in other letter case is
    not run: only one would be read, so the OPDs whose files are in the other would be
    reported as not sent ('' when there are no such twins)."""
    for wanted in (SPEC_FOLDER, INPUT_FOLDER):
        alike = sorted(
            visible(p.name) for p in folder.iterdir() if p.name.casefold() == wanted and p.is_dir()
        )
        if len(alike) > 1:
            return (
                f"Ada {len(alike)} folder {wanted}/ yang namanya hanya berbeda huruf "
                f"besar/kecil ({', '.join(f'{n}/' for n in alike)}): hanya satu yang akan "
                "terbaca, dan di Windows dan macOS keduanya satu folder. Gabungkan isinya ke "
                f"satu folder {wanted}/."
            )
    return ""


def _folder(order: int, path: Path, master: Path, inputs: Path) -> PemdaFolder:
    name = visible(path.name)
    twins = _twins(path)
    if twins:
        return PemdaFolder(order, name, None, inputs, _count(inputs), problem=twins)
    for entry, what in ((master, f"Folder {master.name}/"), (inputs, f"Folder {inputs.name}/")):
        linked = entry.is_dir() and _linked_out(path, entry, visible(what))
        if linked:
            return PemdaFolder(order, name, None, inputs, problem=linked)
    specs = (
        sorted(
            p
            for p in master.iterdir()
            if p.is_file()
            and p.suffix.lower() in SPEC_SUFFIXES
            and not p.name.startswith(("~$", "."))
        )
        if master.is_dir()
        else []
    )
    # the files found, also when the spec stops this Pemda (its row would say it sent none)
    base = PemdaFolder(order, name, specs[0] if len(specs) == 1 else None, inputs, _count(inputs))
    if len(specs) == 1 and not _linked_out(path, specs[0], ""):
        base = _peek(base, specs[0])
    if not specs:
        return replace(base, problem=_no_spec(master))
    if len(specs) > 1:
        names = ", ".join(p.name for p in specs)
        # the specs agree on whose they are (a copy, a revision): the row carries that Pemda and
        # its province, so that a province whose Pemda this is is not shown complete
        seen = [_peek(base, s) for s in specs[:MAX_PEEKED] if not _linked_out(path, s, "")]
        whose = {(f.kode_pemda, f.nama_pemda, f.kode_provinsi, f.nama_provinsi) for f in seen}
        if len(seen) == len(specs) and len(whose) == 1 and seen[0].kode_pemda:
            base = replace(seen[0], tahun="", periode="")
        return replace(
            base,
            problem=f"Ada {len(specs)} master spec di folder {SPEC_FOLDER}/ ({names}); "
            "sisakan satu.",
        )
    linked = _linked_out(path, specs[0], f"Master spec {visible(specs[0].name)}")
    if linked:
        return replace(base, spec=None, problem=linked)
    if not inputs.is_dir():
        return replace(base, problem=_no_inputs(path, master))
    with os.scandir(inputs):  # a folder that cannot be listed is this Pemda's row, not FINAL
        pass
    if not has_inputs(inputs):  # as ``report`` refuses an empty input folder
        return replace(
            base, problem=f"Folder {INPUT_FOLDER}/ kosong: belum ada berkas OPD untuk diolah."
        )
    return base


# Specs of one folder read to see whether they agree on their Pemda (more are not read).
MAX_PEEKED = 5


def _no_inputs(folder: Path, master: Path) -> str:
    """Why a folder with a spec has no input folder, naming what it holds beside ``master/``
    (an ``input`` folder, a zip of the files)."""
    others = sorted(
        visible(p.name) + ("/" if p.is_dir() else "")
        for p in folder.iterdir()
        if p.name != master.name and not p.name.startswith(".")
    )
    if not others:
        return (
            f"Folder {INPUT_FOLDER}/ tidak ada di folder ini: buat folder itu dan letakkan "
            "berkas OPD Pemda ini di dalamnya."
        )
    shown = _some(others)
    return (
        f"Folder {INPUT_FOLDER}/ tidak ada di folder ini; yang ada selain {SPEC_FOLDER}/: "
        f"{shown}. Letakkan berkas OPD Pemda ini di folder bernama {INPUT_FOLDER}/."
    )


def _some(names: list[str], most: int = 5) -> str:
    """The first ``most`` names, and how many more: ``a, b, c dan 4 lainnya``."""
    more = f" dan {len(names) - most} lainnya" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _count(inputs: Path) -> int:
    """The files under ``inputs`` (0 when there is no such folder or it cannot be listed: the
    row says why)."""
    try:
        return sum(1 for p in inputs.rglob("*") if p.is_file()) if inputs.is_dir() else 0
    except OSError:
        return 0


def _no_spec(master: Path) -> str:
    """Why a folder has no master spec: no ``master/``, an empty one, or what it holds instead
    (a ``.xls``, a PDF, an Excel lock file), by name."""
    if not master.is_dir():
        return f"Tidak ada master spec (.xlsx): folder {SPEC_FOLDER}/ tidak ada di folder ini."
    names = sorted(visible(p.name) for p in master.iterdir() if not p.name.startswith("."))
    if not names:
        return (
            f"Tidak ada master spec (.xlsx) di folder {visible(master.name)}/: folder itu kosong."
        )
    shown = _some(names)
    return (
        f"Tidak ada master spec (.xlsx) di folder {visible(master.name)}/; yang ada: {shown}. "
        "Simpan master spec sebagai Buku Kerja Excel (.xlsx) di folder itu."
    )


def _peek(folder: PemdaFolder, spec: Path) -> PemdaFolder:
    """``folder`` with the kode, nama, year, province and period of the spec's ``pemda``
    sheet, read as the full check reads them (a sheet named ``Pemda``; a year typed as text
    '2.024'); the full check comes later. A workbook the reader must not open here has none."""
    screened = screen_workbook(spec)  # the bytes screened are the bytes read
    if screened.problem:
        return folder
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(screened.data))
        try:
            alike = [n for n in wb.sheet_names if "".join(n.split()).lower() == "pemda"]
            name = "pemda" if "pemda" in wb.sheet_names else alike[0] if len(alike) == 1 else ""
            rows = wb.get_sheet_by_name(name).to_python() if name else []
        finally:
            wb.close()
    except Exception:  # an unreadable spec is refused, with its reason, by the full check
        return folder
    if not rows:
        return folder
    head = [column_title(h) for h in rows[0]]
    # the first row with a value, as the full check reads it (blank rows are left out)
    raw = next((r for r in rows[1:] if any(cell_text(v, date_only=True) for v in r)), [])
    row = dict(zip(head, raw, strict=False))

    def text(key: str) -> str:
        return cell_text(row.get(key), date_only=True)

    year, problem = spec_value(row.get("tahun_laporan"))
    whole = year is not None and not problem and year.is_integer()
    return replace(
        folder,
        kode_pemda=text("kode_pemda"),
        nama_pemda=text("nama_pemda"),
        tahun=str(int(year)) if whole and year is not None else text("tahun_laporan"),
        kode_provinsi=text("kode_provinsi"),
        nama_provinsi=text("nama_provinsi"),
        periode=periode_baku(text("periode")) if text("periode") else "",
    )


def national_year(folders: list[PemdaFolder]) -> str:
    """The reporting year most Pemda report (the latest of equally common years)."""
    years = Counter(f.tahun for f in folders if f.tahun and not f.problem)
    if not years:
        return ""
    top = max(years.values())
    return max(y for y, n in years.items() if n == top)


def national_period(periods: Counter[str]) -> str:
    """The period most Pemda report (``Tahunan`` first, then the latest quarter, of equally
    common periods)."""
    if not periods:
        return ""
    top = max(periods.values())
    return max((p for p, n in periods.items() if n == top), key=lambda p: (p == "Tahunan", p))


# The names a national run writes in its output folder: no Pemda's own folder may take one.
_OUTPUT_NAME = re.compile(r"charts|.*\.(?:parquet|xlsx|json|png)", re.IGNORECASE)
# Names Windows will not give a folder: its devices (also before an extension), and a name
# ending in a dot (dropped, so '1275.' would be '1275').
_WINDOWS_NAME = re.compile(rf"{WINDOWS_DEVICE.pattern}|.*\.", re.IGNORECASE)
_CASE = "huruf besar dan kecil tidak membedakan nama folder di Windows dan macOS"


def _same_year_unique_codes(folders: list[PemdaFolder]) -> list[PemdaFolder]:
    """Refuse a folder whose spec is for another year or period, or whose Kode Pemda another
    folder uses too, also in other letter case (their outputs would overwrite each other)."""
    year = national_year(folders)
    years = Counter(f.tahun for f in folders if f.tahun and not f.problem)
    periods = Counter(
        f.periode for f in folders if f.periode and f.tahun == year and not f.problem
    )
    period = national_period(periods)
    owner: dict[str, list[tuple[str, str]]] = {}  # casefolded code -> (folder, code) each
    out = []
    for f in folders:
        problem = f.problem
        if not problem and f.tahun and f.tahun != year:
            problem = (
                f"Master spec untuk tahun {f.tahun}, sedangkan konsolidasi ini untuk tahun "
                f"{year}: tahun laporan {years[year]} dari {years.total()} Pemda di root ini"
                + (
                    " (sama banyak: tahun terakhir dipakai)"
                    if years[f.tahun] == years[year]
                    else ""
                )
                + f". Periksa tahun_laporan di sheet pemda master spec, atau olah Pemda tahun "
                f"{f.tahun} dengan root tersendiri."
            )
        elif not problem and f.periode and period and f.periode != period:
            problem = (
                f"Master spec untuk periode {f.periode}, sedangkan konsolidasi ini untuk "
                f"periode {period} tahun {year}: {periods[period]} dari {periods.total()} "
                f"Pemda tahun itu melapor periode {period}. Angka periode yang berbeda tidak "
                "dibandingkan; periksa periode di sheet pemda master spec, atau olah Pemda "
                f"periode {f.periode} dengan root tersendiri."
            )
        elif not problem and f.kode_pemda and not KODE_PEMDA.fullmatch(f.kode_pemda):
            problem = (
                f"Kode Pemda '{f.kode_pemda}' tidak dapat dipakai sebagai nama folder "
                "keluaran; pakai huruf, angka, titik, garis bawah atau tanda hubung, tidak "
                "diawali titik."
            )
        elif not problem and _WINDOWS_NAME.fullmatch(f.kode_pemda):
            problem = (
                f"Kode Pemda '{f.kode_pemda}' tidak dapat menjadi nama folder keluaran di "
                "Windows (nama perangkat CON, PRN, AUX, NUL, COM0–COM9 atau LPT0–LPT9, atau "
                "diakhiri titik, yang dibuang Windows); keluaran Pemda ini tidak dapat dibuka "
                "atau disalin di sana. Perbaiki kode_pemda di sheet pemda master spec."
            )
        elif not problem and _OUTPUT_NAME.fullmatch(f.kode_pemda):
            problem = (
                f"Kode Pemda '{f.kode_pemda}' sama dengan nama keluaran nasional (folder "
                "charts, berkas .parquet, .xlsx, .json atau .png); keluaran Pemda ini akan "
                "menimpanya. Perbaiki kode_pemda di sheet pemda master spec."
            )
        elif not problem and f.kode_pemda:
            owner.setdefault(f.kode_pemda.casefold(), []).append((f.folder, f.kode_pemda))
        out.append(replace(f, problem=problem))
    # two folders of one code: which holds the Pemda's data (a stale copy sorts first as
    # easily) cannot be told, so neither is run
    for i, f in enumerate(out):
        sharing = owner.get(f.kode_pemda.casefold(), []) if not f.problem else []
        if len(sharing) > 1:
            others = ", ".join(
                name + ("" if code == f.kode_pemda else f" (sebagai {code}; {_CASE})")
                for name, code in sharing
                if name != f.folder
            )
            out[i] = replace(
                f,
                problem=f"Kode Pemda {f.kode_pemda} juga dipakai folder {others}; setiap Pemda "
                "harus berkode unik. Tidak satu pun diolah sampai tinggal satu folder berkode "
                "ini: mana yang memuat data Pemda ini (bukan salinan lama) tidak dapat "
                "ditentukan.",
            )
    return out
