"""Which file of an OPD is used and why, save times that cannot be trusted, and entries of the
input folder that cannot be opened (the sender and receipt time are tests/test_mail_report.py)."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import pytest

from pipeline import ingest
from pipeline.ingest import read_submission, scan_inputs
from pipeline.master import MasterSpec, normalise_name
from pipeline.validate import stage_files
from pipeline.validate.identity import Directory, _stem
from tests.broken_files import _edit, _stamp
from tests.conftest import INPUT_DIR, SPEC_PATH, input_file

DINSOS = INPUT_DIR / "Dinas Sosial - Capaian Kinerja 2018.xlsx"


def _two_dinsos(tmp_path: Path) -> tuple[Path, Path]:
    early, late = tmp_path / "Dinas Sosial - pagi.xlsx", tmp_path / "Dinas Sosial - sore.xlsx"
    shutil.copy(DINSOS, early)
    shutil.copy(DINSOS, late)
    _stamp(early, "2019-01-10T08:00:00Z")
    _stamp(late, "2019-01-20T08:00:00Z")
    return early, late


def test_save_time_decides_and_the_register_says_why(spec: MasterSpec, tmp_path: Path) -> None:
    early, late = _two_dinsos(tmp_path)
    subs = [read_submission(p, p.name) for p in (early, late)]
    newer, why = stage_files(subs, spec).superseded[early.name]
    assert newer == late.name
    # read as people read a time (it read 'disimpan 2019-01-20T08:00:00Z')
    assert why == (
        "disimpan 20 Januari 2019 pukul 08.00 UTC, lebih baru dari berkas ini (disimpan "
        "10 Januari 2019 pukul 08.00 UTC)"
    )


@pytest.mark.parametrize("when", ["2099-01-01T00:00:00Z", ""])
def test_a_save_time_in_the_future_or_missing_never_wins(
    spec: MasterSpec, tmp_path: Path, when: str
) -> None:
    early, late = _two_dinsos(tmp_path)
    subs = [read_submission(p, p.name) for p in (early, late)]
    subs[0].dimodifikasi = when  # the earlier file now claims the future, or nothing
    staged = stage_files(subs, spec)
    assert staged.superseded[early.name][0] == late.name
    warned = [i for i in staged.per_file[early.name] if i.rule == "berkas.waktu_simpan"]
    assert len(warned) == 1 and warned[0].severity == "WARNING"


def test_the_blank_template_sent_later_does_not_replace_the_filled_file(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A clerk attached the blank template to a second email: being newer, it replaced the
    filled file, and every value of the OPD left the report with no ERROR or WARNING."""
    from pipeline.template import build_template

    filled = tmp_path / "Dinas Sosial - Capaian Kinerja 2018.xlsx"
    shutil.copy(DINSOS, filled)
    _stamp(filled, "2019-01-10T08:00:00Z")
    blank = build_template(
        spec, "DINSOS", tmp_path / "Dinas Sosial - Capaian Kinerja 2018 (1).xlsx"
    )
    _stamp(blank, "2019-01-20T08:00:00Z")
    subs = [read_submission(p, p.name) for p in (filled, blank)]
    staged = stage_files(subs, spec)
    assert [s.name for s in staged.active] == [filled.name]
    assert staged.superseded[blank.name][0] == filled.name
    warned = [i for i in staged.per_file[blank.name] if i.severity == "WARNING"]
    assert [i.rule for i in warned] == ["berkas.kosong_tidak_menggantikan"]
    assert (
        filled.name in warned[0].message and "walaupun berkas ini lebih baru" in warned[0].message
    )
    assert staged.realisasi["realisasi_tahunan"].notna().any()
    # two blank files: the newer one is used, as for any two files
    blank_too = build_template(spec, "DINSOS", tmp_path / "Dinas Sosial - kosong.xlsx")
    _stamp(blank_too, "2019-01-25T08:00:00Z")
    subs = [read_submission(p, p.name) for p in (blank, blank_too)]
    assert stage_files(subs, spec).superseded[blank.name][0] == blank_too.name


def test_an_entry_that_cannot_be_opened_is_listed_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(DINSOS, tmp_path / "terkunci.xlsx")
    shutil.copy(DINSOS, tmp_path / "biasa.xlsx")
    real_open = os.open

    def refuse(path, flags, *args):  # a file locked or without permission (as root, simulated)
        if str(path).endswith("terkunci.xlsx"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(ingest.os, "open", refuse)
    found = {e.name: e for e in scan_inputs(tmp_path)}
    assert found["biasa.xlsx"].problem == ""
    assert "izin ditolak" in found["terkunci.xlsx"].problem
    assert ingest.list_inputs(tmp_path) == [tmp_path / "biasa.xlsx"]


def test_a_workbook_that_cannot_be_opened_holds_the_report_as_a_draft(
    spec: MasterSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DINSOS's corrected file, there but locked (or without permission): it was only
    'ignored', and DINSOS's older file was used with no ERROR, the report FINAL."""
    from pipeline.run import run_pemda
    from tests.conftest import copy_inputs

    folder = copy_inputs(tmp_path)
    locked = folder / "Dinas Sosial - revisi.xlsx"
    shutil.copy(DINSOS, locked)
    real_open = os.open

    def refuse(path, flags, *args):  # as a file without permission (tests run as root)
        if str(path).endswith(locked.name):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(ingest.os, "open", refuse)
    run = run_pemda(spec, folder)
    found = run.issues[run.issues["rule"] == "berkas.tidak_terbuka"]
    assert found[["file", "severity", "kode_opd", "found"]].to_records(index=False).tolist() == [
        (locked.name, "ERROR", "DINSOS", "izin ditolak")
    ]
    assert run.has_errors


@pytest.mark.parametrize(
    ("kode", "name", "accepted"),
    [
        # OPD names shortened as clerks shorten them, beside another OPD's code or alias word
        ("BAG_ORG", "Bag. Organisasi Setda Binjai - Capaian Kinerja 2018.xlsx", True),
        ("DISKOPUKM", "Diskop UKM - Capaian Kinerja dan Keuangan 2018.xlsx", True),
        ("KEC_BJS", "Kec. Binjai Selatan - Keuangan 2018.xlsx", True),
        # a name that names another OPD, and shortens nothing of the file's own
        ("DINSOS", "Dinas Kesehatan - Capaian Kinerja 2018.xlsx", False),
        ("DINSOS", "Dinas - Keuangan.xlsx", False),
        ("DISKOPUKM", "Dinkes - Capaian Kinerja 2018.xlsx", False),
        # another OPD's code is that OPD's, even when its letters could shorten this one's
        # name (B-K-D: Badan Pengelolaan Keuangan … Daerah; 'setda' begins 'Setdakota')
        ("BPKPAD", "BKD - Capaian Kinerja 2018.xlsx", False),
        ("BAG_ORG", "Setda - Capaian Kinerja 2018.xlsx", False),
        # a name that holds a word only another OPD's name has (not its full name): that
        # OPD's file, sent on the wrong template, never replaces the claimed OPD's
        ("DINKES", "Dinas Koperasi - laporan 2018.xlsx", False),
        ("DINSOS", "Kec. Binjai Selatan - laporan capaian kinerja.xlsx", False),
        # its own word, or no OPD named at all: the file's own (ordinary words that only one
        # OPD's name uses, with no kind of OPD before them, name nobody)
        ("DINKES", "Kesehatan - laporan TW 4.xlsx", True),
        ("DINSOS", "Laporan capaian kinerja 2018 final revisi.xlsx", True),
        ("DINSOS", "Laporan Kinerja - Tata Kelola Pengelolaan 2018.xlsx", True),
        ("DINSOS", "Capaian Kinerja Pembangunan 2018 v2.xlsx", True),
        ("DINSOS", "LKjIP 2018 - pemberdayaan masyarakat miskin.xlsx", True),
        ("DINSOS", "Laporan Kinerja Pelayanan Sosial 2018.xlsx", True),
    ],
)
def test_a_shortened_own_name_beside_another_opds_word_is_no_other_claim(
    spec: MasterSpec, tmp_path: Path, kode: str, name: str, accepted: bool
) -> None:
    """A file whose name named another OPD's code or alias word (``Setda``, ``Keuangan``) and
    its own OPD only in a shortened form was refused and charged to that other OPD."""
    path = tmp_path / name
    shutil.copy(input_file(INPUT_DIR, kode), path)
    staged = stage_files([read_submission(path, path.name)], spec)
    refused = [i for i in staged.per_file[name] if i.rule == "berkas.identitas"]
    assert (not refused) == accepted, refused
    assert (staged.opd_of[name] == kode) == accepted


def _period(path: Path, periode: str) -> None:
    def change(wb) -> str:
        for row in wb["_meta"].iter_rows():
            if row[0].value == "periode":
                row[1].value = periode
        return ""

    _edit(path, change)


def test_a_report_of_an_earlier_period_never_replaces_the_periods_own(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """A TW II report sent again after the annual one, saved later, replaced it: the half-year
    values became the year's realisation, without a word about the period."""
    annual, mid_year = tmp_path / "Dinas Sosial - 2018.xlsx", tmp_path / "Dinas Sosial - TW2.xlsx"
    shutil.copy(DINSOS, annual)
    shutil.copy(DINSOS, mid_year)
    _period(mid_year, "TW2")
    _stamp(annual, "2019-01-10T08:00:00Z")
    _stamp(mid_year, "2019-01-20T08:00:00Z")
    assert spec.triwulan == 4
    staged = stage_files([read_submission(p, p.name) for p in (annual, mid_year)], spec)
    newer, why = staged.superseded[mid_year.name]
    assert newer == annual.name and "periode TW2" in why
    warned = [i for i in staged.per_file[mid_year.name] if i.rule == "struktur.periode_lain"]
    assert [(i.severity, i.found, i.expected) for i in warned] == [("WARNING", "TW2", "Tahunan")]
    # sent alone, it is used, with the same warning
    alone = stage_files([read_submission(mid_year, mid_year.name)], spec)
    assert [s.name for s in alone.active] == [mid_year.name]
    assert any(i.rule == "struktur.periode_lain" for i in alone.per_file[mid_year.name])


def test_a_workbook_linked_from_outside_the_input_folder_makes_a_draft(
    spec: MasterSpec, tmp_path: Path
) -> None:
    """Every OPD file put in the input folder as a link to a file elsewhere was left out
    (links may lead anywhere) and the empty report was stamped FINAL: each is an ERROR."""
    from pipeline.run import load_and_run

    elsewhere = tmp_path / "di_tempat_lain"
    shutil.copytree(INPUT_DIR, elsewhere)
    inbox = tmp_path / "masuk"
    inbox.mkdir()
    for path in sorted(elsewhere.glob("*.xlsx"))[:2]:
        (inbox / path.name).symlink_to(path)
    run, issues = load_and_run(SPEC_PATH, inbox)
    assert run is not None, issues
    linked = run.issues[run.issues["rule"] == "berkas.tautan"]
    assert len(linked) == 2 and set(linked["severity"]) == {"ERROR"}
    assert run.has_errors
    # the leader's page names the first such ERROR without an empty "sheet › cell: " in front
    from pipeline.outputs import run_info
    from pipeline.workbook.ringkasan import perlu_perhatian

    _, kelengkapan = run_info(run)
    (draft,) = [
        line
        for line in perlu_perhatian(run.results, kelengkapan, run.issues, spec.settings)
        if line.startswith("Laporan masih DRAFT")
    ]
    assert "ERROR, mis. Berkas ini tautan simbolik" in draft and "mis. :" not in draft
    assert ".;" not in draft and not draft.endswith("..") and draft.endswith(".")


@pytest.mark.parametrize(
    "name",
    [
        "Dinas Sosial - Capaian Kinerja 2018.xlsx",
        "laporan/Sekretariat Daerah Kota Binjai dan Setwan.xlsx",
        "BAPPEDA Bappeda Kota Binjai bag pem.xlsx",
        "Bagian Administrasi Pemerintahan dan Kerjasama (Setdakot) TW IV.xlsx",
        "Inspektorat.xlsx",
        "rekap/",
        "rekap/.",
        ".",
        "",
        "..",
        "tanpa nama OPD.v2.xlsx",
    ],
)
def test_an_opd_is_named_by_any_run_of_words_of_the_file_name(spec: MasterSpec, name: str) -> None:
    """Only the runs of words where an OPD's name may start are looked up: the OPDs found are
    those of every run of the name's words, at any place and of any length."""
    directory = Directory(spec)
    stem = PurePosixPath(name).name.rsplit(".", 1)[0]
    assert _stem(name) == stem
    words = normalise_name(stem).split()
    every_run = {
        directory.names[" ".join(words[start:end])]
        for start in range(len(words))
        for end in range(start + 1, len(words) + 1)
        if " ".join(words[start:end]) in directory.names
    }
    assert directory.named(name) == every_run


def test_names_of_several_lengths_in_one_file_name_are_all_found(spec: MasterSpec) -> None:
    """Names of four, two and one words, one inside another, and a two-word alias at the end."""
    directory = Directory(spec)
    assert directory.named("x/Sekretariat Daerah Kota Binjai dan Setwan.xlsx") == {
        "SETDA",
        "SETWAN",
    }
    assert directory.named("BAPPEDA Bappeda Kota Binjai bag pem.xlsx") == {"BAPPEDA", "BAG_PEM"}


def test_the_owners_of_a_sheet_are_counted_only_when_none_is_the_files_opd(
    spec: MasterSpec,
) -> None:
    """Another OPD's indicators before the OPD's own: the sheet is the OPD's (nothing said);
    without any of its own, the owners most often named come first, then by code."""
    directory = Directory(spec)
    codes = ["IK01.01", "(jumlah)", "IK01.03", "IK01.04", "IK01.09", "IK01.02", "IK01.05"]
    sheet = SimpleNamespace(indikator=[{"kode_indikator": c} for c in codes])
    assert directory.sheet_owners(sheet, "INSPEKTORAT") == ()  # type: ignore[arg-type]
    assert directory.sheet_owners(sheet, "SETDA") == (  # type: ignore[arg-type]
        "DISKOMINFO",
        "BPKPAD",
        "INSPEKTORAT",
    )
    empty = SimpleNamespace(indikator=[{"kode_indikator": "(jumlah)"}, {}])
    assert directory.sheet_owners(empty, "SETDA") == ()  # type: ignore[arg-type]
