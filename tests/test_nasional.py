"""``nasional``: every Pemda under a root, each exactly as its own report, on a local pool.

The root (tests/national_roots.py) holds six generated Pemda (one with a file that kills its
reader), the Binjai demo, a refused spec and a folder without a spec. The command runs for real
(``python -m pipeline nasional --per-pemda``) once per session (the ``national`` fixture).
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import io
import itertools
import math
import re
import shutil
import time
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cells import sheet_parts
from pipeline.isolate import Limits
from pipeline.nasional.executor import LocalExecutor
from pipeline.nasional.layout import discover
from pipeline.nasional.progress import Progress
from pipeline.nasional.run import batches
from pipeline.nasional.tables import (
    COLUMNS,
    KEY_COLUMNS,
    KEY_COLUMNS_VALIDASI,
    WHEN_TYPE,
    common_schema,
    conform,
    to_arrow,
    with_pandas_types,
)
from pipeline.nasional.work import run_batch
from pipeline.run import load_spec, run_pemda
from tests.conftest import INPUT_DIR, SPEC_PATH, read_sheet, run_cli, run_limited
from tests.hostile_files import far_cell
from tests.national_roots import KILLER, WORKER_KILLER, other_pemda, run_batch_or_die

Setup = tuple[Path, Path, list[str]]
TABLES = ("indikator", "anggaran", "validasi", "berkas")
TYPES = {pa.string(), pa.float64(), pa.int64(), pa.bool_(), WHEN_TYPE}


def _table(out: Path, name: str) -> pd.DataFrame:
    return pq.read_table(out / f"{name}.parquet").to_pandas()


def _own_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """One Pemda run alone through the library, its frames typed as ``nasional`` types them."""
    spec, issues = load_spec(next((folder / "master").glob("*.xlsx")))
    assert spec is not None, issues
    run = run_pemda(spec, folder / "input_xlsx")
    front = {
        "kode_pemda": spec.kode_pemda,
        "kode_provinsi": str(spec.pemda.get("kode_provinsi", "") or ""),
        "tahun": spec.tahun,
    }
    frames = {
        "indikator": run.results.indikator,
        "anggaran": run.results.program,
        "validasi": run.issues,
        "berkas": run.validated.berkas,
    }
    typed = {
        name: to_arrow(frame, {**front, "folder": folder.name} if name == "validasi" else front)
        for name, frame in frames.items()
    }
    return {
        name: table.replace_schema_metadata(with_pandas_types(table.schema).metadata).to_pandas()
        for name, table in typed.items()
    }


@pytest.mark.parametrize("which", ["binjai", "generated", "with_killer"])
def test_each_pemda_equals_its_own_run(national: Setup, which: str) -> None:
    root, out, generated = national
    folder = {"binjai": "binjai", "generated": generated[3], "with_killer": generated[0]}[which]
    own = _own_tables(root / folder)
    kode = own["berkas"]["kode_pemda"].iloc[0]
    for name in TABLES:
        table = _table(out, name)
        mine = table[table["kode_pemda"] == kode].reset_index(drop=True)
        assert len(mine) == len(own[name]) > 0, name
        # every column, every row, exactly (floats included): no tolerance
        pd.testing.assert_frame_equal(
            mine[list(own[name].columns)], own[name], check_dtype=False, check_exact=True
        )


def test_an_earlier_runs_per_pemda_folders_are_replaced_not_left(tmp_path: Path) -> None:
    """A --per-pemda run over a smaller root kept the old Pemda folders beside the new set,
    listed in no manifest. The folders the last run's manifest names (each holding a report's
    manifest) are now part of the set replaced; anything else in the folder stays."""
    import json

    from pipeline.nasional.run import _earlier_pemda_sets

    out = tmp_path / "keluaran"
    for name in ("1275", "9999", "catatan", ".."):
        (out / name).mkdir(parents=True, exist_ok=True)
    for name in ("1275", "9999"):
        (out / name / "manifest.json").write_text("{}")
    listed = [{"kode_pemda": k} for k in ("1275", "9999", "catatan", "..", "8888")]
    (out / "manifest.json").write_text(json.dumps({"pemda": listed}))
    assert _earlier_pemda_sets(out) == {"1275", "9999"}
    (out / "manifest.json").write_text("bukan json")
    assert _earlier_pemda_sets(out) == set()


def test_binjai_matches_the_golden_capaian(national: Setup) -> None:
    _, out, _ = national
    ind = _table(out, "indikator")
    ind = ind[ind["kode_pemda"] == "1275"]
    golden = pd.read_csv(Path(__file__).parent / "golden" / "capaian_binjai_2018.csv", dtype=str)
    assert len(ind) == len(golden)
    assert ind["kode_indikator"].nunique() == golden["kode_indikator"].nunique()


def test_per_pemda_outputs_equal_a_single_report(national: Setup, workbook_path: Path) -> None:
    _, out, _ = national
    mine = out / "1275" / "1275_2018_konsolidasi.xlsx"
    sheets = pd.ExcelFile(workbook_path, engine="calamine").sheet_names
    assert pd.ExcelFile(mine, engine="calamine").sheet_names == sheets
    for sheet in sheets:
        pd.testing.assert_frame_equal(read_sheet(mine, sheet), read_sheet(workbook_path, sheet))
    single = (workbook_path.parent / "validasi.csv").read_text(encoding="utf-8")
    assert (out / "1275" / "validasi.csv").read_text(encoding="utf-8") == single
    pemda = _table(out, "pemda")
    for kode in pemda.loc[pemda["status"].isin(["FINAL", "DRAFT"]), "kode_pemda"]:
        assert (out / kode / f"{kode}_2018_konsolidasi.xlsx").is_file()
    assert sorted(p.name for p in (out / "1275" / "charts").iterdir()) == sorted(
        p.name for p in (workbook_path.parent / "charts").iterdir()
    )


def test_refused_and_unrunnable_folders_are_one_row_each(national: Setup) -> None:
    _, out, generated = national
    pemda = _table(out, "pemda")
    assert set(pemda["folder"]) == {*generated, "binjai", "zz_spec_rusak", "zz_tanpa_spec"}
    assert list(pemda["kode_pemda"][:-1]) == sorted(pemda["kode_pemda"][:-1])  # by Kode Pemda
    assert pemda["folder"].iloc[-1] == "zz_tanpa_spec"  # a folder without a Kode Pemda: last
    pemda = pemda.set_index("folder")
    assert pemda.loc["zz_spec_rusak", "status"] == "spec ditolak"
    validasi = _table(out, "validasi").query("folder == 'zz_spec_rusak'")
    assert "keatas" in validasi["found"].tolist()
    assert "ERROR di master spec" in pemda.loc["zz_spec_rusak", "alasan"]
    assert pemda.loc["zz_tanpa_spec", "status"] == "tidak dijalankan"
    assert "Tidak ada master spec" in pemda.loc["zz_tanpa_spec", "alasan"]
    assert math.isnan(pemda.loc["zz_spec_rusak", "rata_rata_capaian"])
    assert pemda.loc["binjai", "status"] == "DRAFT"
    assert "ERROR" in pemda.loc["binjai", "alasan"]
    scored = pemda[pemda["status"].isin(["FINAL", "DRAFT"])]
    assert len(scored) == 7 and scored["rata_rata_capaian"].notna().all()
    assert scored["peringkat"].min() == 1


def test_a_reader_killing_file_is_that_files_error(national: Setup) -> None:
    _, out, generated = national
    kode = _table(out, "pemda").set_index("folder").loc[generated[0], "kode_pemda"]
    berkas = _table(out, "berkas")
    berkas = berkas[berkas["kode_pemda"] == kode].set_index("berkas")
    assert berkas.loc[KILLER, "status"] == "ditolak"
    assert "berhenti mendadak" in berkas.loc[KILLER, "alasan"]
    assert (berkas.drop(index=KILLER)["status"] != "ditolak").sum() > 3
    validasi = _table(out, "validasi")
    validasi = validasi[validasi["kode_pemda"] == kode]
    assert "berkas.pembaca_gagal" in set(validasi["rule"])


def test_parquet_columns_are_typed(national: Setup) -> None:
    root, out, _ = national
    for name in (*TABLES, "pemda"):
        schema = pq.read_schema(out / f"{name}.parquet")
        assert "kode_pemda" in schema.names
        for field in schema:
            assert field.type in TYPES, (name, field.name, field.type)
        frame = pd.read_parquet(out / f"{name}.parquet", dtype_backend="pyarrow")
        assert not any(frame[c].dtype == object for c in frame.columns), name
    for name in TABLES:  # exactly the declared columns, which an empty table keeps
        keys = KEY_COLUMNS_VALIDASI if name == "validasi" else KEY_COLUMNS
        schema = pq.read_schema(out / f"{name}.parquet").remove_metadata()
        assert schema.names[: len(keys)] == keys.names, name
        assert schema == COLUMNS[name], (name, set(schema.names) ^ set(COLUMNS[name].names))
    ind = pq.read_schema(out / "indikator.parquet")
    assert ind.field("capaian_mentah").type == pa.float64()
    assert ind.field("capaian_tahun_lalu").type == pa.float64()  # empty, typed by its dtype
    assert ind.field("dibatasi").type == pa.bool_()
    # a row number is a whole number even where no OPD reported the indicator (null there)
    assert ind.field("baris").type == pa.int64()
    assert pq.read_schema(out / "anggaran.parquet").field("baris").type == pa.int64()
    # save and receipt times are times (UTC), the instant the workbook's ISO text names
    berkas = pq.read_table(out / "berkas.parquet")
    assert {berkas.schema.field(c).type for c in ("dimodifikasi", "diterima")} == {WHEN_TYPE}
    saved = berkas.column("dimodifikasi").to_pylist()
    one = next(i for i, v in enumerate(saved) if v is not None)
    folder = (
        _table(out, "pemda")
        .set_index("kode_pemda")
        .loc[berkas.column("kode_pemda")[one].as_py(), "folder"]
    )
    path = root / str(folder) / "input_xlsx" / berkas.column("berkas")[one].as_py()
    with zipfile.ZipFile(path) as zf:
        iso = re.search(r"<dcterms:modified[^>]*>([^<]+)<", zf.read("docProps/core.xml").decode())
    assert iso is not None
    assert saved[one] == dt.datetime.fromisoformat(iso.group(1).replace("Z", "+00:00"))
    assert not [n for n in ind.names if n.startswith(("target_20", "pagu_20"))]
    table = pq.read_table(out / "indikator.parquet")
    assert table.column("capaian_tahun_lalu").null_count == table.num_rows  # null, not NaN


def test_pandas_reads_whole_numbers_and_yes_no_typed(national: Setup) -> None:
    """The README's ``pd.read_parquet`` as printed: ``baris`` came back float (an indicator no
    OPD reported has none) and a yes/no column with an empty cell came back as an object
    column. Whole numbers are pandas' ``Int64``, yes/no its ``boolean``, empty where empty."""
    _, out, _ = national
    for name in (*TABLES, "pemda"):
        frame = pd.read_parquet(out / f"{name}.parquet")
        assert not [c for c in frame.columns if frame[c].dtype == object], name
        for field in pq.read_schema(out / f"{name}.parquet"):
            want = {pa.int64(): "Int64", pa.bool_(): "boolean"}.get(field.type)
            if want:
                assert str(frame[field.name].dtype) == want, (name, field.name)
    ind = pd.read_parquet(out / "indikator.parquet")
    assert ind["baris"].isna().any() and ind["realisasi_tidak_valid"].isna().any()
    assert ind["baris"].dropna().map(type).eq(int).all()


def test_provinsi_sheet_names_the_pemda_it_leaves_out(national: Setup) -> None:
    """A Pemda whose spec has no ``kode_provinsi`` (a careless spec may still give
    ``nama_provinsi``) was missing from the Provinsi sheet without a word, while the Pemda
    sheet showed it under its province's name."""
    from pipeline.nasional import summary
    from pipeline.workbook.nasional import _without_province

    _, out, _ = national
    pemda = _table(out, "pemda")
    outside = pemda[pemda["status"].isin(["FINAL", "DRAFT"]) & (pemda["kode_provinsi"] == "")]
    assert len(outside) > 0
    ws = openpyxl.load_workbook(out / "nasional_2018.xlsx")["Provinsi"]
    said = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert f"{len(outside)} Pemda tanpa kode_provinsi" in said
    for kode, nama in zip(outside["kode_pemda"], outside["nama_pemda"], strict=True):
        assert f"{kode} {nama}" in said

    rows = [
        {
            "kode_pemda": k,
            "nama_pemda": n,
            "status": "DRAFT",
            "kode_provinsi": p,
            "nama_provinsi": np_,
            "rata_rata_capaian": 90.0,
        }
        for k, n, p, np_ in (
            ("5201", "Kab. A", "52", "Nusa Tenggara Barat"),
            ("5202", "Kab. B", "", "Nusa Tenggara Barat"),
        )
    ]
    assert _without_province(summary.pemda_table(rows)) == (
        "1 Pemda tanpa kode_provinsi di master spec tidak masuk tabel ini (lihat sheet Pemda): "
        "5202 Kab. B (nama_provinsi Nusa Tenggara Barat tanpa kode)."
    )


def test_a_province_is_named_as_most_of_its_pemda_name_it() -> None:
    """Province 32 took the name of whichever spec came first: 1101's, which typed 32 beside
    its own 'Aceh' ('Provinsi Aceh' over the Jawa Barat roll-up and its ranking chart)."""
    from pipeline.nasional import summary
    from pipeline.nasional.run import scope_of

    rows = [
        {
            "kode_pemda": k,
            "nama_pemda": f"Kab. {k}",
            "status": "FINAL",
            "kode_provinsi": "32",
            "nama_provinsi": name,
            "rata_rata_capaian": 90.0,
        }
        for k, name in (("1101", "Aceh"), ("3201", "Jawa Barat"), ("3202", "Jawa Barat"))
    ]
    pemda = summary.pemda_table(rows)
    roll = summary.provinces(pemda, summary.national_scale())
    assert roll["nama_provinsi"].tolist() == ["Jawa Barat"]
    assert scope_of(pemda) == "Provinsi Jawa Barat"
    assert summary.province_name(["B", "A", ""]) == "A"  # as often: the first in order
    assert summary.province_name(["", ""]) == ""


def test_duckdb_reads_the_tables(national: Setup) -> None:
    duckdb = pytest.importorskip("duckdb")
    _, out, _ = national
    rows = duckdb.sql(
        f"SELECT kode_pemda, count(*) AS n, avg(capaian) AS rata "
        f"FROM '{out / 'indikator.parquet'}' WHERE status = 'dinilai' "
        "GROUP BY kode_pemda ORDER BY kode_pemda"
    ).fetchall()
    pemda = _table(out, "pemda")
    scored = sorted(pemda.loc[pemda["status"].isin(["FINAL", "DRAFT"]), "kode_pemda"])
    assert [r[0] for r in rows] == scored
    assert all(r[1] > 0 and r[2] > 0 for r in rows)


def test_national_workbook(national: Setup) -> None:
    _, out, _ = national
    path = out / "nasional_2018.xlsx"
    assert pd.ExcelFile(path, engine="calamine").sheet_names == [
        "Ringkasan",
        "Pemda",
        "Provinsi",
        "Mutu Data",
        "Tidak Diolah",
    ]
    parquet = _table(out, "pemda")
    # the folders not run: a table of their own (it was under the rules' columns and header,
    # its status cut and its rows read as rules on a second page)
    # what was never counted is blank, not 0 (a folder not run has no indicators or OPDs)
    never = parquet[parquet["status"] == "tidak dijalankan"]
    assert (
        len(never) and never[["jumlah_indikator", "opd_total", "jumlah_error"]].isna().all().all()
    )
    not_run = read_sheet(path, "Tidak Diolah")
    want = parquet[~parquet["status"].isin(["FINAL", "DRAFT"])]
    assert not_run["Folder"].tolist() == want["folder"].tolist()
    assert not_run["Keterangan / Alasan"].tolist() == want["alasan"].tolist()
    sheet = read_sheet(path, "Pemda")
    assert sheet["Nama Pemda"].iloc[-1] == "(folder zz_tanpa_spec)"  # no spec, no name: its folder
    assert (
        sheet["Kode Pemda"].astype(str).str.replace(".0", "", regex=False).tolist()[:-1]
        == parquet["kode_pemda"].tolist()[:-1]
    )
    assert sheet["Rata-rata Capaian (%)"].tolist() == pytest.approx(
        parquet["rata_rata_capaian"].tolist(), rel=1e-14, nan_ok=True
    )  # xlsx keeps 15 significant digits
    prov = read_sheet(path, "Provinsi").set_index("Kode Provinsi")
    with_code = parquet[parquet["kode_provinsi"] != ""]
    for kode, group in with_code.groupby("kode_provinsi"):
        row = prov.loc[int(kode)]
        assert row["Jumlah Pemda"] == len(group)
        assert row["Rata-rata Capaian (%)"] == pytest.approx(
            group["rata_rata_capaian"].mean(), abs=1e-9
        )
        serapan = group["realisasi_anggaran"].sum() / group["pagu_dilaporkan"].sum() * 100
        assert row["Serapan (%)"] == pytest.approx(serapan, abs=1e-9)
        # the lowest and highest Pemda averages, named as such (not an indicator's capaian)
        assert row["Rata-rata Pemda Terendah (%)"] == pytest.approx(
            group["rata_rata_capaian"].min(), abs=1e-9
        )
        assert row["Rata-rata Pemda Tertinggi (%)"] == pytest.approx(
            group["rata_rata_capaian"].max(), abs=1e-9
        )
    shown = [
        str(v)
        for name in ("Ringkasan", "Pemda", "Provinsi", "Mutu Data", "Tidak Diolah")
        for v in pd.read_excel(path, sheet_name=name, header=None, engine="calamine")
        .to_numpy()
        .ravel()
        if not pd.isna(v)
    ]
    assert not {"nan", "None", "NaN", "inf"} & set(" ".join(shown).split())
    assert (out / "charts" / "distribusi_capaian_pemda.png").stat().st_size > 10_000
    for kode in with_code["kode_provinsi"].unique():
        assert (out / "charts" / f"peringkat_{kode}.png").is_file()
    assert (out / "charts" / "peringkat_tanpa_provinsi.png").is_file()  # Binjai has none


def test_national_demo_is_seeded_and_varied(tmp_path: Path) -> None:
    from scripts import build_national_demo as demo

    a = demo.build(3, 11, tmp_path / "a", jobs=1, opd=(3, 5))
    b = demo.build(3, 11, tmp_path / "b", jobs=1, opd=(3, 5))
    assert a == b
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.xlsx"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.xlsx"))
    assert files_a == files_b
    for rel in files_a:  # same seed, same bytes
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    plans = demo.plans(60, 1)
    assert len({p.kode_pemda for p in plans}) == 60
    assert {p.provinsi is None for p in plans} == {True, False}
    assert len({p.provinsi for p in plans if p.provinsi}) > 3
    assert min(p.opd for p in plans) >= 25 and max(p.opd for p in plans) <= 45
    # the national scale: 542 Pemda send about 21,000 files a year (≈ 39 each)
    files = sum(p.opd - p.missing + p.duplicates for p in demo.plans(542, 2026))
    assert 20_000 <= files <= 22_000, files
    assert {p.missing > 0 for p in plans} == {True, False}
    assert {p.broken > 0 for p in plans} == {True, False}
    kinerja = [p.kinerja for p in plans]  # most near their targets, some well below
    assert min(kinerja) < 0.75 and max(kinerja) > 0.95


def test_layout_reasons(tmp_path: Path) -> None:
    (tmp_path / "dua" / "master").mkdir(parents=True)
    (tmp_path / "dua" / "master" / "a.xlsx").write_bytes(b"x")
    (tmp_path / "dua" / "master" / "b.xlsx").write_bytes(b"x")
    (tmp_path / "tanpa_input" / "master").mkdir(parents=True)
    (tmp_path / "tanpa_input" / "master" / "s.xlsx").write_bytes(b"x")
    (tmp_path / ".tersembunyi" / "master").mkdir(parents=True)
    # no spec: what master/ holds instead is named (it said only 'no .xlsx spec')
    for name, files in (("xls", ["spec.xls"]), ("lain", ["~$spec.xlsx", "spec.pdf", ".x"])):
        (tmp_path / name / "input_xlsx").mkdir(parents=True)
        (tmp_path / name / "master").mkdir()
        for file in files:
            (tmp_path / name / "master" / file).write_bytes(b"x")
    (tmp_path / "kosong" / "master").mkdir(parents=True)
    (tmp_path / "tanpa_master" / "input_xlsx").mkdir(parents=True)
    found = {f.folder: f.problem for f in discover(tmp_path)}
    assert set(found) == {"dua", "tanpa_input", "xls", "lain", "kosong", "tanpa_master"}
    assert "Ada 2 master spec" in found["dua"]
    assert found["tanpa_input"] == (
        "Folder input_xlsx/ tidak ada di folder ini: buat folder itu dan letakkan berkas OPD "
        "Pemda ini di dalamnya."
    )
    assert found["xls"] == (
        "Tidak ada master spec (.xlsx) di folder master/; yang ada: spec.xls. Simpan master "
        "spec sebagai Buku Kerja Excel (.xlsx) di folder itu."
    )
    assert "yang ada: spec.pdf, ~$spec.xlsx. Simpan" in found["lain"]
    assert found["kosong"].endswith("di folder master/: folder itu kosong.")
    # the files found are counted also when the spec stops the Pemda (its row said 0)
    (tmp_path / "dua" / "input_xlsx").mkdir()
    for name in ("a.xlsx", "b.xlsx", "c.xlsx"):
        (tmp_path / "dua" / "input_xlsx" / name).write_bytes(b"x")
    (tmp_path / "xls" / "input_xlsx" / "a.xlsx").write_bytes(b"x")
    files = {f.folder: f.files for f in discover(tmp_path)}
    assert files["dua"] == 3 and files["xls"] == 1 and files["kosong"] == 0
    # no input_xlsx/: what the folder holds instead is named (it said only 'not there')
    (tmp_path / "tanpa_input" / "Input OPD").mkdir()
    (tmp_path / "tanpa_input" / "kiriman.zip").write_bytes(b"x")
    found = {f.folder: f.problem for f in discover(tmp_path)}
    assert found["tanpa_input"] == (
        "Folder input_xlsx/ tidak ada di folder ini; yang ada selain master/: Input OPD/, "
        "kiriman.zip. Letakkan berkas OPD Pemda ini di folder bernama input_xlsx/."
    )
    assert found["tanpa_master"].endswith("folder master/ tidak ada di folder ini.")


def test_a_link_out_of_a_pemda_folder_does_not_speak_for_it(tmp_path: Path) -> None:
    """A folder whose master/ (or spec) was a link to another Pemda's ran that Pemda's spec
    under its own name and, sorted first, took its Kode Pemda: the real Pemda was refused as
    a duplicate. One whose input_xlsx/ was a link to another Pemda's read that Pemda's files.
    A Pemda folder that is itself a link (a root assembled from links) still runs."""
    root = tmp_path / "akar"
    _spec_only(root / "z_asli")  # 1275, the real Pemda
    (root / "a_master" / "input_xlsx").mkdir(parents=True)
    (root / "a_master" / "input_xlsx" / "catatan.txt").write_text("x")
    (root / "a_master" / "master").symlink_to(Path("..") / "z_asli" / "master")
    _spec_only(root / "b_masukan", kode="1276")
    shutil.rmtree(root / "b_masukan" / "input_xlsx")
    (root / "b_masukan" / "input_xlsx").symlink_to(Path("..") / "z_asli" / "input_xlsx")
    _spec_only(root / "c_spec", kode="1277")
    (root / "c_spec" / "master" / "spec.xlsx").unlink()
    (root / "c_spec" / "master" / "spec.xlsx").symlink_to(root / "z_asli" / "master" / "spec.xlsx")
    _spec_only(tmp_path / "luar" / "d", kode="1278")
    (root / "d_tautan").symlink_to(tmp_path / "luar" / "d")
    _spec_only(root / "e_dalam", kode="1279")  # a link inside its own folder is its own
    (root / "e_dalam" / "input_xlsx").rename(root / "e_dalam" / "kiriman")
    (root / "e_dalam" / "input_xlsx").symlink_to("kiriman")
    found = {f.folder: f for f in discover(root)}
    assert not found["z_asli"].problem and found["z_asli"].kode_pemda == "1275"
    assert found["a_master"].problem.startswith(
        "Folder master/ adalah tautan simbolik ke luar folder Pemda ini (ke ../z_asli/master)"
    )
    assert found["a_master"].spec is None and found["a_master"].kode_pemda == ""
    assert found["b_masukan"].problem.startswith("Folder input_xlsx/ adalah tautan simbolik")
    assert found["c_spec"].problem.startswith("Master spec spec.xlsx adalah tautan simbolik")
    assert found["c_spec"].spec is None
    assert not found["d_tautan"].problem and found["d_tautan"].kode_pemda == "1278"
    assert not found["e_dalam"].problem and found["e_dalam"].kode_pemda == "1279"


def test_a_link_in_the_root_that_leads_nowhere_is_a_row(tmp_path: Path) -> None:
    """A Pemda folder linked from a network drive that is not mounted, and a link loop, were
    left out without a word; a link to a file (notes) is still no Pemda."""
    root = tmp_path / "akar"
    _spec_only(root / "a", kode="1276")
    (root / "b_drive").symlink_to(tmp_path / "tidak_tersambung" / "1277")
    (root / "c_putar").symlink_to(root / "d_putar")
    (root / "d_putar").symlink_to(root / "c_putar")
    (tmp_path / "catatan.txt").write_text("x")
    (root / "e_catatan").symlink_to(tmp_path / "catatan.txt")
    found = {f.folder: f.problem for f in discover(root)}
    assert set(found) == {"a", "b_drive", "c_putar", "d_putar"}
    assert not found["a"]
    assert found["b_drive"].startswith(
        f"Tautan simbolik ini rusak (tujuannya tidak ada): menunjuk ke {tmp_path}"
    )
    assert "drive jaringan" in found["b_drive"]
    assert found["c_putar"].startswith("Tautan simbolik ini berputar")


def test_a_province_folder_of_pemda_folders_says_what_to_do(tmp_path: Path) -> None:
    """A province's folder holding its Pemda folders (a root of roots) was told to move the
    contents of its first Pemda one level up: the others were not named, and following the
    advice would have mixed that Pemda's master/ and input_xlsx/ in among the rest."""
    root = tmp_path / "akar"
    _spec_only(root / "a", kode="1276")
    for name in ("1201_medan", "1202_binjai", "1203_deli", "1204_langkat"):
        _spec_only(root / "sumut" / name, kode=name[:4])
    found = {f.folder: f.problem for f in discover(root)}
    assert set(found) == {"a", "sumut"}
    assert "4 folder di dalamnya masing-masing folder Pemda" in found["sumut"]
    assert "(1201_medan, 1202_binjai, 1203_deli, …)" in found["sumut"]
    assert f"--root {root / 'sumut'}" in found["sumut"]
    assert "pindahkan isinya" not in found["sumut"]


def test_a_pemda_still_in_its_zip_in_the_root_is_a_row(tmp_path: Path) -> None:
    """A Pemda's folder sent as a .zip and put in the root unopened was left out without a
    word; a .zip of anything else (and a file that is no zip) is still no Pemda."""
    root = tmp_path / "akar"
    _spec_only(root / "a", kode="1276")
    _spec_only(tmp_path / "kiriman" / "1277_binjai", kode="1277")
    shutil.make_archive(str(root / "1277_binjai"), "zip", tmp_path / "kiriman")
    (tmp_path / "lain").mkdir()
    (tmp_path / "lain" / "catatan.txt").write_text("x")
    shutil.make_archive(str(root / "catatan"), "zip", tmp_path / "lain")
    (root / "rusak.zip").write_bytes(b"bukan zip")
    found = {f.folder: f.problem for f in discover(root)}
    assert set(found) == {"a", "1277_binjai.zip"}
    assert found["1277_binjai.zip"].startswith(
        "Berkas arsip 1277_binjai.zip memuat folder master/ atau input_xlsx/ tetapi belum "
        "diekstrak"
    )


def test_a_zip_in_the_root_declaring_too_many_entries_is_not_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The root's zips were listed whole in the run's own process: a zip of a million empty
    entries (a few tens of MB) took about half a gigabyte to list. One declaring more than a
    Pemda's folder ever holds is left unopened, as any file of the root that is no Pemda."""
    import zipfile

    root = tmp_path / "akar"
    _spec_only(root / "a", kode="1276")
    with zipfile.ZipFile(root / "banyak.zip", "w") as zf:
        zf.writestr("x/master/spec.xlsx", b"")
        for i in range(10_000):  # with the spec: 10,001 entries
            zf.writestr(f"x/input_xlsx/{i}", b"")
    opened = []
    monkeypatch.setattr(zipfile, "ZipFile", lambda *a, **k: opened.append(a) or 1 / 0)
    assert {f.folder for f in discover(root)} == {"a"} and not opened


def test_input_folders_in_two_letter_cases_are_that_pemdas_row(tmp_path: Path) -> None:
    """input_xlsx/ beside INPUT_XLSX/ (possible on Linux only): the files of the second were
    never read and their OPDs were reported as not sent. Master/ beside master/ alike."""
    _spec_only(tmp_path / "a", kode="1276")
    (tmp_path / "a" / "INPUT_XLSX").mkdir()
    (tmp_path / "a" / "INPUT_XLSX" / "Dinsos.xlsx").write_bytes(b"x")
    _spec_only(tmp_path / "b", kode="1277")
    (tmp_path / "b" / "Master").mkdir()
    _spec_only(tmp_path / "c", kode="1278")
    (tmp_path / "c" / "input_xlsx").rename(tmp_path / "c" / "Input_xlsx")  # one, any case: runs
    found = {f.folder: f.problem for f in discover(tmp_path)}
    assert found["a"] == (
        "Ada 2 folder input_xlsx/ yang namanya hanya berbeda huruf besar/kecil (INPUT_XLSX/, "
        "input_xlsx/): hanya satu yang akan terbaca, dan di Windows dan macOS keduanya satu "
        "folder. Gabungkan isinya ke satu folder input_xlsx/."
    )
    assert found["b"].startswith("Ada 2 folder master/ yang namanya hanya berbeda huruf")
    assert not found["c"]


def test_no_folder_leaves_the_consolidation_without_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three of four Pemda left out with no row: 'Master/' and 'INPUT_XLSX/' as Windows
    writes them, an archive unpacked one level too deep (a folder of notes is still no
    Pemda). A folder that cannot be opened
    ended the whole run under 'the output cannot be written' (exit 10); one whose input
    folder cannot be listed was FINAL with every OPD 'not sent'."""
    import os

    _spec_only(tmp_path / "windows")
    (tmp_path / "windows" / "master").rename(tmp_path / "windows" / "Master")
    (tmp_path / "windows" / "input_xlsx").rename(tmp_path / "windows" / "INPUT_XLSX")
    _spec_only(tmp_path / "zip" / "1275_binjai", kode="1276")
    (tmp_path / "arsip").mkdir()
    _spec_only(tmp_path / "terkunci", kode="1277")
    _spec_only(tmp_path / "masukan_terkunci", kode="1278")
    _spec_only(tmp_path / "dua\nbaris", kode="1279")  # shown on one line, as \x0a
    locked = ("/terkunci/master", "/masukan_terkunci/input_xlsx")

    def refusing(real: Any) -> Any:  # as a folder without permission (tests run as root)
        def call(path: Any = ".") -> Any:
            if str(path).endswith(locked):
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        return call

    monkeypatch.setattr(os, "scandir", refusing(os.scandir))
    monkeypatch.setattr(os, "listdir", refusing(os.listdir))
    found = {f.folder: f for f in discover(tmp_path)}
    assert set(found) == {  # arsip: no Pemda
        "windows",
        "zip",
        "terkunci",
        "masukan_terkunci",
        "dua\\x0abaris",
    }
    assert not found["windows"].problem and found["windows"].kode_pemda == "1275"
    assert found["windows"].input_dir.name == "INPUT_XLSX"
    assert "folder 1275_binjai di dalamnya memuat keduanya" in found["zip"].problem
    assert found["terkunci"].problem == "'master' tidak dapat dibuka (izin ditolak)."
    assert "'input_xlsx' tidak dapat dibuka" in found["masukan_terkunci"].problem


def _report_workbook(path: Path) -> Path:
    """A consolidated report's workbook (its sheets, no ``pemda`` nor ``_meta``)."""
    path.parent.mkdir(parents=True)
    wb = openpyxl.Workbook()
    wb.active.title = "Ringkasan"
    wb.create_sheet("Indikator")
    wb.save(path)
    return path


def test_a_pemda_laid_out_wrongly_or_a_loose_workbook_is_a_row(tmp_path: Path) -> None:
    """A Pemda's spec and OPD files all in one folder, or in 'masters/' and 'input/', and a
    spec dropped in the root itself, vanished with no row ('1 Pemda … Tidak dapat diolah: 0').
    Each is now a row saying where its files must go; a folder of notes is still no Pemda."""
    _spec_only(tmp_path / "baik")
    flat = tmp_path / "3301_datar"
    flat.mkdir()
    shutil.copy(SPEC_PATH, flat / "spec.xlsx")
    shutil.copy(next(INPUT_DIR.glob("*.xlsx")), flat)
    (flat / "~$spec.xlsx").write_bytes(b"kunci")  # Excel's lock file: no workbook
    typo = tmp_path / "3201_salah_ketik"
    (typo / "masters").mkdir(parents=True)
    (typo / "input").mkdir()
    shutil.copy(SPEC_PATH, typo / "masters" / "spec.xlsx")
    for source in sorted(INPUT_DIR.glob("*.xlsx"))[:2]:
        shutil.copy(source, typo / "input")
    shutil.copy(SPEC_PATH, tmp_path / "spec_9401.xlsx")
    (tmp_path / "catatan").mkdir()
    (tmp_path / "catatan" / "rapat.txt").write_text("notulen")
    # workbooks that are no Pemda's files: no row (a report kept in an archive, a report's
    # output folder with its feedback copies, a recap sheet loose in the root)
    report = _report_workbook(tmp_path / "arsip" / "1275_2017_konsolidasi.xlsx")
    shutil.copytree(report.parent, tmp_path / "hasil")
    (tmp_path / "hasil" / "manifest.json").write_text("{}")
    (tmp_path / "hasil" / "umpan_balik").mkdir()
    shutil.copy(next(INPUT_DIR.glob("*.xlsx")), tmp_path / "hasil" / "umpan_balik" / "BKD.xlsx")
    openpyxl.Workbook().save(tmp_path / "rekap_provinsi.xlsx")
    found = {f.folder: f for f in discover(tmp_path)}
    assert set(found) == {"baik", "3301_datar", "3201_salah_ketik", "spec_9401.xlsx"}
    assert not found["baik"].problem
    assert "memuat buku kerja Excel (2 di folder ini)" in found["3301_datar"].problem
    assert "(1 di input/, 2 di masters/)" not in found["3201_salah_ketik"].problem
    assert "(2 di input/, 1 di masters/)" in found["3201_salah_ketik"].problem
    assert (
        "master spec di master/ dan berkas OPD di input_xlsx/" in found["3201_salah_ketik"].problem
    )
    assert "terletak langsung di root" in found["spec_9401.xlsx"].problem


def test_a_stray_copy_of_a_pemda_that_is_run_is_not_counted_in_its_province(
    tmp_path: Path,
) -> None:
    """A Pemda run from its folder, and a stray copy of it whose master/ holds two copies of
    its spec: the copy's row carried the province too (Jumlah Pemda 2 for one Pemda). It keeps
    its code and name, not the province."""
    from tests.national_roots import other_pemda

    other_pemda(tmp_path / "a", "1201", "Kabupaten Satu", ("12", "Sumatera Utara"))
    shutil.copytree(tmp_path / "a", tmp_path / "a_salinan")
    spec = next((tmp_path / "a_salinan" / "master").iterdir())
    shutil.copy(spec, spec.with_name("revisi.xlsx"))
    run, copy = discover(tmp_path)
    assert not run.problem and run.kode_provinsi == "12"
    assert copy.problem.startswith("Ada 2 master spec")
    assert (copy.kode_pemda, copy.kode_provinsi, copy.nama_provinsi) == ("1201", "", "")


def test_a_locked_pemda_folder_is_named_as_the_locked_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Pemda folder without permission (chmod 000, another user's) was reported as
    "'master' tidak dapat dibuka", sending the user to a master/ that was never the problem."""
    import os

    _spec_only(tmp_path / "terkunci", kode="1277")
    _spec_only(tmp_path / "terbuka", kode="1278")
    locked = str(tmp_path / "terkunci")

    def refusing(real: Any, inside: bool) -> Any:  # as the system refuses it (tests run as root)
        def call(path: Any = ".", *args: Any, **kwargs: Any) -> Any:
            name = os.fspath(path)
            if name.startswith(locked + os.sep) if inside else name == locked:
                raise PermissionError(13, "Permission denied", name)
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "scandir", refusing(os.scandir, False))
    monkeypatch.setattr(os, "listdir", refusing(os.listdir, False))
    monkeypatch.setattr(os, "stat", refusing(os.stat, True))
    found = {f.folder: f.problem for f in discover(tmp_path)}
    assert found == {"terbuka": "", "terkunci": "Folder ini tidak dapat dibuka (izin ditolak)."}


def _spec_only(folder: Path, kode: str | None = None, blank_row: bool = False) -> None:
    """A Pemda folder with the demo spec (its ``pemda`` data row below a blank row, when
    asked) and no OPD file: only a note in the input folder."""
    (folder / "master").mkdir(parents=True)
    (folder / "input_xlsx").mkdir()
    (folder / "input_xlsx" / "catatan.txt").write_text("belum ada berkas")
    wb = openpyxl.load_workbook(SPEC_PATH)
    ws = wb["pemda"]
    if blank_row:
        ws.insert_rows(2)
    if kode is not None:
        column = [c.value for c in ws[1]].index("kode_pemda") + 1
        ws.cell(3 if blank_row else 2, column).value = kode
    wb.save(folder / "master" / "spec.xlsx")


def _pemda_cells(folder: Path, **cells: object) -> None:
    """Set cells of the ``pemda`` row of ``folder``'s spec (a new column when there is none)."""
    path = folder / "master" / "spec.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["pemda"]
    head = [c.value for c in ws[1]]
    for key, value in cells.items():
        if key not in head:
            head.append(key)
            ws.cell(1, len(head)).value = key
        ws.cell(2, head.index(key) + 1).value = value
    wb.save(path)


def test_a_folder_not_run_keeps_its_province_and_a_careless_year_or_sheet_is_read(
    tmp_path: Path,
) -> None:
    """A Pemda that has sent nothing yet had no code, name or province on its row: its province
    looked complete. A year typed as text '2.018' and a sheet named 'Pemda', which ``report``
    reads, were refused by the folder check alone."""
    root = tmp_path / "akar"
    _spec_only(root / "a")
    _pemda_cells(root / "a", kode_provinsi="12", nama_provinsi="Sumatera Utara")
    (root / "b" / "master").mkdir(parents=True)
    shutil.copy(root / "a" / "master" / "spec.xlsx", root / "b" / "master" / "spec.xlsx")
    _pemda_cells(root / "b", kode_pemda="1276", tahun_laporan="2.018")
    (root / "b" / "input_xlsx").mkdir()  # nothing sent yet
    _spec_only(root / "c", kode="1277")
    wb = openpyxl.load_workbook(root / "c" / "master" / "spec.xlsx")
    wb["pemda"].title = "sementara"
    wb["sementara"].title = "Pemda"  # openpyxl makes it 'Pemda1' when renamed in one step
    wb.save(root / "c" / "master" / "spec.xlsx")
    found = {f.folder: f for f in discover(root)}
    assert "kosong" in found["b"].problem
    b = found["b"]
    assert (b.kode_pemda, b.tahun, b.kode_provinsi, b.nama_provinsi) == (
        "1276",
        "2018",
        "12",
        "Sumatera Utara",
    )
    assert (found["c"].kode_pemda, found["c"].tahun, found["c"].problem) == ("1277", "2018", "")
    [part] = run_batch([b], Limits(workers=1), "")
    assert (part.row["kode_pemda"], part.row["kode_provinsi"], part.row["tahun"]) == (
        "1276",
        "12",
        2018,
    )


def test_a_pemda_of_another_period_is_not_consolidated_with_the_rest(tmp_path: Path) -> None:
    """A TW2 Pemda was ranked beside the yearly ones without a sign."""
    root = tmp_path / "akar"
    for name, kode in (("a", "1275"), ("b", "1276"), ("c", "1277")):
        _spec_only(root / name, kode=kode)
    _pemda_cells(root / "c", periode="tw 2")
    found = {f.folder: f for f in discover(root)}
    assert not found["a"].problem and not found["b"].problem
    assert found["c"].periode == "TW2"
    assert "Master spec untuk periode TW2, sedangkan konsolidasi ini untuk periode Tahunan" in (
        found["c"].problem
    )
    assert "2 dari 3 Pemda tahun itu melapor periode Tahunan" in found["c"].problem


def test_a_link_to_a_pemda_folder_of_the_same_root_is_not_run_twice(tmp_path: Path) -> None:
    """'0_tautan' -> '1275_binjai' sorted first and ran; the folder itself was then refused as
    a duplicate of its own link."""
    root = tmp_path / "akar"
    _spec_only(root / "1275_binjai")
    (root / "0_tautan").symlink_to(root / "1275_binjai", target_is_directory=True)
    found = {f.folder: f for f in discover(root)}
    assert not found["1275_binjai"].problem
    assert "tautan ke folder yang sama dengan 1275_binjai" in found["0_tautan"].problem


def test_an_output_inside_a_pemda_folder_linked_into_the_root_is_refused(tmp_path: Path) -> None:
    """The next run read the national workbook as an OPD file of the linked Pemda."""
    elsewhere = tmp_path / "lain" / "7301"
    _spec_only(elsewhere)
    root = tmp_path / "akar"
    root.mkdir()
    (root / "7301").symlink_to(elsewhere, target_is_directory=True)
    out = elsewhere / "input_xlsx" / "nasional"
    done = run_cli("nasional", "--root", str(root), "--output", str(out))
    assert done.returncode == 10, done.stderr
    assert "di dalam folder Pemda 7301 (tautan di folder root" in done.stderr
    assert not out.exists()


def test_the_folder_check_reads_the_kode_pemda_the_run_uses(tmp_path: Path) -> None:
    root = tmp_path / "akar"
    _spec_only(root / "a")
    _spec_only(root / "b", blank_row=True)  # the same Kode Pemda, below a blank row
    _spec_only(root / "c", kode="..", blank_row=True)  # would name the output's parent
    (root / "d" / "master").mkdir(parents=True)  # a Pemda that has received nothing yet
    (root / "d" / "master" / "spec.xlsx").write_bytes(SPEC_PATH.read_bytes())
    (root / "d" / "input_xlsx").mkdir()
    _spec_only(root / "e", kode="kb-x")
    _spec_only(root / "f", kode="KB-X")  # one folder with 'kb-x' on Windows and macOS
    found = {f.folder: f for f in discover(root)}
    assert "input_xlsx/ kosong" in found["d"].problem
    # two folders of one code: neither is run (a stale copy sorting first was run, alone)
    assert "juga dipakai folder f (sebagai KB-X;" in found["e"].problem
    assert "juga dipakai folder e (sebagai kb-x;" in found["f"].problem
    assert found["a"].kode_pemda == found["b"].kode_pemda == "1275"
    assert "juga dipakai folder b;" in found["a"].problem
    assert "juga dipakai folder a;" in found["b"].problem
    assert "Tidak satu pun diolah" in found["a"].problem
    assert "tidak diawali titik" in found["c"].problem
    # a spec whose full read names another code than the folder check is not run at all
    out = tmp_path / "keluaran"
    [part] = run_batch(
        [replace(found["a"], kode_pemda="9999", problem="")], Limits(workers=1), str(out)
    )
    assert part.row["status"] == "tidak dijalankan"
    assert "'1275'" in part.row["alasan"] and "'9999'" in part.row["alasan"]
    assert not out.exists()


def test_a_macro_enabled_spec_is_read_as_report_reads_it(tmp_path: Path) -> None:
    """``report`` reads a spec saved as .xlsm (values only: a macro never runs); ``nasional``
    listed such a folder as having no spec. Its Pemda now runs, exactly as from the .xlsx."""
    from tests.national_roots import other_pemda

    other_pemda(tmp_path / "xlsx" / "a", "1201", "Kabupaten Satu")
    shutil.copytree(tmp_path / "xlsx", tmp_path / "xlsm")
    spec = tmp_path / "xlsm" / "a" / "master" / "1201_2018.xlsx"
    spec.rename(spec.with_suffix(".xlsm"))
    [plain], [macro] = discover(tmp_path / "xlsx"), discover(tmp_path / "xlsm")
    assert macro.problem == "" and macro.spec == spec.with_suffix(".xlsm")
    assert (macro.kode_pemda, macro.tahun) == (plain.kode_pemda, plain.tahun) == ("1201", "2018")
    [a], [b] = run_batch([plain], Limits(workers=1)), run_batch([macro], Limits(workers=1))
    assert a.row["status"] == b.row["status"] == "FINAL"
    assert a.row["rata_rata_capaian"] == b.row["rata_rata_capaian"]
    for name in ("indikator", "anggaran"):
        assert a.tables[name].num_rows > 0 and a.tables[name].equals(b.tables[name]), name
    # beside an .xlsx it is a second spec, as two .xlsx are
    (tmp_path / "xlsm" / "a" / "master" / "1201_2018.xlsx").write_bytes(
        spec.with_suffix(".xlsm").read_bytes()
    )
    [both] = discover(tmp_path / "xlsm")
    assert both.problem.startswith("Ada 2 master spec di folder master/ (1201_2018.xlsm, 1201_")
    # the two agree on whose they are: the row carries that Pemda (it had no kode, no name,
    # no province, and the province looked complete)
    assert (both.kode_pemda, both.nama_pemda) == ("1201", "Kabupaten Satu")
    assert both.spec is None  # still not run
    other_pemda(tmp_path / "lain" / "a", "1202", "Kabupaten Dua")
    shutil.copy(next((tmp_path / "lain" / "a" / "master").iterdir()), spec.with_suffix(".xlsx"))
    [disagree] = discover(tmp_path / "xlsm")
    assert disagree.problem.startswith("Ada 2 master spec") and disagree.kode_pemda == ""


def test_a_pemda_whose_files_are_all_another_pemdas_is_not_scored(tmp_path: Path) -> None:
    """``report`` refuses a spec whose input files are all another Pemda's (exit code 12,
    nothing written); the national run made it a DRAFT row and, with --per-pemda, wrote a
    full report of nothing but refused files. It is now one row saying so, no report."""
    from tests.national_roots import other_pemda

    root, out = tmp_path / "akar", tmp_path / "keluaran"
    other_pemda(root / "benar", "1201", "Kabupaten Benar")
    other_pemda(root / "salah", "1202", "Kabupaten Salah")
    spec = root / "salah" / "master" / "1202_2018.xlsx"
    wb = openpyxl.load_workbook(spec)  # its files stay 1202's: the wrong spec or input folder
    wb["pemda"]["A2"] = "1203"
    wb.save(spec)
    folders = discover(root)
    assert [f.kode_pemda for f in folders] == ["1201", "1203"]
    out.mkdir()  # a run's staging folder (a batch of a run that has ended writes nothing)
    parts = run_batch(folders, Limits(workers=1), str(out))
    done = {p.folder: p.row for p in parts}
    assert done["benar"]["status"] == "FINAL"
    assert done["salah"]["status"] == "tidak dijalankan"
    reason = done["salah"]["alasan"]
    assert "tetapi semua 2 berkas masukan untuk Pemda 1202 tahun 2018" in reason
    assert "master spec (1202_2018.xlsx) atau berkas di folder input_xlsx/" in reason
    assert "--spec" not in reason
    assert not next(p for p in parts if p.folder == "salah").tables
    assert sorted(p.name for p in out.iterdir()) == ["1201"]
    single = run_cli(
        "report",
        "--spec",
        str(spec),
        "--input",
        str(root / "salah" / "input_xlsx"),
        "--output",
        str(tmp_path / "sendiri"),
    )
    assert single.returncode == 12 and not (tmp_path / "sendiri").exists()


def test_a_pemda_code_or_province_code_cannot_take_a_national_output_name(
    tmp_path: Path,
) -> None:
    """Kode Pemda 'charts' put a Pemda's full report inside the national charts folder with
    --per-pemda, 'indikator.parquet' ended the run; province codes '1.1' and '1/1' wrote one
    chart over the other, and a 300-character code ended the run ('name too long')."""
    from pipeline.nasional.run import _chart_stem

    _spec_only(tmp_path / "a", kode="charts")
    _spec_only(tmp_path / "b", kode="Indikator.PARQUET")
    _spec_only(tmp_path / "c", kode="1276")
    found = {f.folder: f.problem for f in discover(tmp_path)}
    assert "sama dengan nama keluaran nasional" in found["a"]
    assert "sama dengan nama keluaran nasional" in found["b"]
    assert not found["c"]
    taken: dict[str, Any] = {}
    stems = []
    for kode in ("1.1", "1/1", "x" * 300, "pemda"):
        stem = _chart_stem(kode, taken)
        taken[f"chart_peringkat_{stem}"] = None
        stems.append(stem)
    assert stems[0] == "1_1" and stems[1].startswith("1_1_") and len(set(stems)) == 4
    assert all(len(stem) <= 40 and re.fullmatch(r"[0-9A-Za-z_-]+", stem) for stem in stems)


def test_a_kode_pemda_too_long_to_name_a_file_is_the_specs_error(tmp_path: Path) -> None:
    """A 240-character Kode Pemda passed every check; with --per-pemda its report could not
    be written ('name too long') and the row said only 'gagal diproses (OSError)', as
    ``report`` blamed its output folder. The spec is now refused at that cell, saying why."""
    _spec_only(tmp_path / "akar" / "panjang", kode="x" * 240)
    [folder] = discover(tmp_path / "akar")
    [part] = run_batch([folder], Limits(workers=1), str(tmp_path / "keluaran"))
    assert part.row["status"] == "spec ditolak"
    assert "Kode Pemda 240 karakter, terlalu panjang untuk nama berkas" in part.row["alasan"]
    assert "spec.xlsx › pemda › A2: Kode Pemda" in part.row["alasan"]


def test_a_pemda_of_another_year_is_told_which_year_and_why(tmp_path: Path) -> None:
    """A Pemda of another reporting year was told only the consolidation's year, not that it
    is the year most Pemda report (or, equally many, the latest) nor what to do."""

    def year(folder: Path, tahun: int) -> None:
        spec = folder / "master" / "spec.xlsx"
        wb = openpyxl.load_workbook(spec)
        column = [c.value for c in wb["pemda"][1]].index("tahun_laporan") + 1
        wb["pemda"].cell(2, column).value = tahun
        wb.save(spec)

    root = tmp_path / "akar"
    for i, tahun in enumerate((2018, 2018, 2019)):
        _spec_only(root / f"p{i}", kode=f"127{i}")
        if tahun != 2018:
            year(root / f"p{i}", tahun)
    found = {f.folder: f.problem for f in discover(root)}
    assert found["p2"] == (
        "Master spec untuk tahun 2019, sedangkan konsolidasi ini untuk tahun 2018: tahun "
        "laporan 2 dari 3 Pemda di root ini. Periksa tahun_laporan di sheet pemda master spec, "
        "atau olah Pemda tahun 2019 dengan root tersendiri."
    )
    year(root / "p1", 2017)  # one each: the latest year is taken, and said to be
    found = {f.folder: f.problem for f in discover(root)}
    assert not found["p2"]
    assert "tahun 2019: tahun laporan 1 dari 3 Pemda di root ini (sama banyak" in found["p0"]


def test_a_kode_pemda_windows_cannot_name_a_folder_is_that_pemdas_row(tmp_path: Path) -> None:
    """Kode Pemda 'CON', 'nul', 'Lpt1', 'com1.x' and '1276.' named --per-pemda folders that
    Windows cannot open or copy ('1276.' would become '1276'); others alike still run."""
    refused = ("CON", "nul", "Lpt1", "com1.x", "1276.")
    for i, kode in enumerate((*refused, "CONTOH", "1.276", "nul1")):
        _spec_only(tmp_path / f"f{i}", kode=kode)
    found = {f.kode_pemda: f.problem for f in discover(tmp_path)}
    for kode in refused:
        assert (
            f"Kode Pemda '{kode}' tidak dapat menjadi nama folder keluaran di Windows"
            in (found[kode])
        )
    assert not found["CONTOH"] and not found["1.276"] and not found["nul1"]


def test_a_spec_the_reader_must_not_open_is_not_peeked_at(tmp_path: Path) -> None:
    """The folder check reads each spec's pemda sheet in the run's own process: a spec with a
    cell far outside its tables (which would end that process) is left for the full check to
    refuse. Tried in a child process with a memory limit, so a regression fails this test."""
    folder = tmp_path / "akar" / "jauh"
    _spec_only(folder)
    spec = folder / "master" / "spec.xlsx"
    far_cell(spec, SPEC_PATH, sheet_parts(zipfile.ZipFile(SPEC_PATH))["pemda"])
    done = run_limited(
        "import sys; from pathlib import Path\n"
        "from pipeline.nasional.layout import discover\n"
        "[f] = discover(Path(sys.argv[1]))\n"
        "print(repr(f.kode_pemda), repr(f.problem))\n",
        str(tmp_path / "akar"),
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "'' ''"  # no code read: the full check refuses it, saying why


def test_batches_share_the_work() -> None:
    folders = list(range(100))
    got = batches(folders, 2)  # type: ignore[arg-type]  # any items batch the same way
    assert [x for b in got for x in b] == folders
    assert len(got) >= 6 and max(len(b) for b in got) <= 20
    sizes = [len(b) for b in got]  # they shrink, so no worker waits long for another at the end
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] <= 4 < sizes[0]
    assert batches(folders, 1, size=100) == [folders]  # type: ignore[arg-type]


def test_mixed_columns_become_text_and_empty_ones_keep_their_type() -> None:
    df = pd.DataFrame(
        {
            "angka": [1.5, None],
            "campur": ["WTP", 12.5],
            "kosong": pd.Series([None, None], dtype="float64"),
            "bendera": [True, None],
        }
    )
    table = to_arrow(df, {"kode_pemda": "9999"})
    assert table.schema.field("angka").type == pa.float64()
    assert table.column("campur").to_pylist() == ["WTP", "12,5"]  # the one formatter
    assert table.schema.field("kosong").type == pa.float64()
    assert table.schema.field("bendera").type == pa.bool_()
    text = to_arrow(pd.DataFrame({"t": pd.Series(["a", None, ""], dtype="str")}), {})
    assert text.schema.field("t").type == pa.string()
    assert text.column("t").to_pylist() == ["a", None, ""]  # missing text is null, not ''
    mixed = to_arrow(pd.DataFrame({"c": ["x", 1.5, None]}), {}).column("c").to_pylist()
    assert mixed == ["x", "1,5", None]  # missing stays missing, not an empty text
    other = to_arrow(pd.DataFrame({"angka": [2], "campur": [None]}), {"kode_pemda": "1"})
    schema = common_schema([table.schema, other.schema])
    assert schema.field("angka").type == pa.float64()  # int in one part, float in another
    hampa = pa.schema([("hampa", pa.null())])  # a column without a value in any part
    assert common_schema([hampa]).field("hampa").type == pa.string()  # nothing declared: text
    declared = pa.schema([("hampa", pa.float64()), ("angka", pa.int64()), ("ada", pa.bool_())])
    typed = common_schema([table.schema, other.schema, hampa], declared)
    assert typed.names[:3] == ["hampa", "angka", "ada"]  # the declared ones first
    assert typed.field("hampa").type == pa.float64()  # no value anywhere: as declared
    assert typed.field("ada").type == pa.bool_()  # in no part at all: as declared
    assert typed.field("angka").type == pa.float64()  # declared int, a float came: the parts
    assert conform(other, typed).column("ada").null_count == 1
    assert conform(other, schema).column("kosong").null_count == 1
    # the front columns: one value on every row, typed from it; none at all on an empty part
    front = {"kode_pemda": "9999", "tahun": 2024, "kode_provinsi": None}
    both = to_arrow(df, front)
    assert both.column("kode_pemda").to_pylist() == ["9999", "9999"]
    assert both.schema.field("tahun").type == pa.int64()
    assert both.column("kode_provinsi").type == pa.null()
    empty = to_arrow(df.iloc[:0], front)
    assert [empty.schema.field(k).type for k in front] == [pa.null()] * 3


def test_draft_reason_names_the_most_frequent_rules_then_by_name() -> None:
    from pipeline.issues import ERROR, WARNING
    from pipeline.nasional.work import draft_reason

    rows = [
        ("z.aturan", ERROR, "B"),
        ("q.aturan", ERROR, "A"),
        ("m.aturan", ERROR, ""),
        ("z.aturan", ERROR, "B"),
        ("b.aturan", ERROR, "C"),
        ("a.aturan", ERROR, "A"),
        ("a.peringatan", WARNING, "D"),  # not an ERROR: not counted, its OPD not named
    ]
    issues = pd.DataFrame(rows, columns=["rule", "severity", "kode_opd"])
    assert draft_reason(issues) == (  # m.aturan of no OPD: not one of the 3 OPDs' ERRORs
        "6 ERROR di 3 OPD (A, B, C) dan 1 tanpa OPD: z.aturan ×2, a.aturan ×1, b.aturan ×1 dan "
        "2 aturan lain"
    )
    assert draft_reason(issues[issues["severity"] == WARNING]) == ""


def test_progress_is_quiet_off_a_terminal() -> None:
    quiet = io.StringIO()
    p = Progress(542, 21_000, quiet)
    p.advance(10, 400)
    p.close()
    assert quiet.getvalue() == ""
    shown = io.StringIO()
    p = Progress(542, 21_000, shown, enabled=True, tick=0)
    p.advance(120, 4_680)
    assert "Pemda 120/542 · berkas 4.680/21.000" in shown.getvalue()
    assert "sisa ±" in shown.getvalue()


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_progress_shows_its_stage_and_counts_down_between_batches() -> None:
    """Before the first Pemda and after the last the line says what the run does; between
    two batches the clock moves on and the estimate counts down from the last batch's."""
    clock, out = _Clock(), io.StringIO()
    p = Progress(0, 0, out, enabled=True, tick=0, clock=clock)
    p.set_stage("Memeriksa folder Pemda")
    clock.now += 3
    assert p.line() == "Memeriksa folder Pemda · 0:03 berjalan"
    p.begin(100, 1_000)
    assert p.line() == "Pemda 0/100 · berkas 0/1.000 · 0:03 berjalan · sisa ?"
    clock.now += 7  # 10 s in, a quarter of the files: 30 s to go
    p.advance(25, 250)
    assert p.line().endswith("0:10 berjalan · sisa ±0:30")
    clock.now += 12  # no batch back since: the clock moves, the estimate counts down
    assert p.line().endswith("0:22 berjalan · sisa ±0:18")
    clock.now += 60  # later than estimated: never a negative time left
    assert p.line().endswith("1:22 berjalan · sisa ±0:00")
    p.set_stage("Menulis keluaran nasional")
    assert p.line() == "Menulis keluaran nasional · 1:22 berjalan"
    p.close()
    assert out.getvalue().endswith("\r")  # the line is wiped for the summary


def test_progress_redraws_itself_while_no_batch_comes_back() -> None:
    out = io.StringIO()
    p = Progress(10, 100, out, enabled=True, tick=0.05)
    p.begin(10, 100)
    time.sleep(0.5)
    p.close()
    drawn = out.getvalue().count("Pemda 0/10")
    assert drawn >= 3, out.getvalue()  # one from begin, the rest from the ticker
    after = out.getvalue()
    time.sleep(0.2)
    assert out.getvalue() == after  # closed: nothing drawn any more


def test_environment_problems_are_one_sentence(tmp_path: Path) -> None:
    missing = run_cli("nasional", "--root", str(tmp_path / "x"), "--output", str(tmp_path / "o"))
    assert missing.returncode == 8
    assert "Traceback" not in missing.stderr and "tidak ada" in missing.stderr
    root = tmp_path / "akar"
    root.mkdir()
    empty = run_cli("nasional", "--root", str(root), "--output", str(tmp_path / "o"))
    assert empty.returncode == 8 and "Tidak ada folder Pemda" in empty.stderr
    # an output inside the root: the next run would take it for a Pemda folder
    inside = run_cli("nasional", "--root", str(root), "--output", str(root / "o"))
    assert inside.returncode == 10 and f"di dalam folder root {root}:" in inside.stderr
    assert "membaca keluarannya sebagai folder Pemda" in inside.stderr  # not 'folder masukan'
    holding = run_cli("nasional", "--root", str(root), "--output", str(tmp_path))
    assert holding.returncode == 10 and "(termasuk folder root) ikut terganti" in holding.stderr
    for workers in ("0", "-1", "1,5", "999"):
        wrong = run_cli(
            "nasional", "--root", str(root), "--output", str(tmp_path / "o"), "--workers", workers
        )
        assert wrong.returncode == 2 and "bukan jumlah proses yang sah" in wrong.stderr
    no_scheduler = run_cli(
        "nasional",
        "--root",
        str(root),
        "--output",
        str(tmp_path / "o"),
        "--dask",
        "tcp://127.0.0.1:9",
    )
    assert no_scheduler.returncode == 5
    assert "Traceback" not in no_scheduler.stderr
    assert "penjadwal Dask" in no_scheduler.stderr
    not_an_address = run_cli(
        "nasional", "--root", str(root), "--output", str(tmp_path / "o"), "--dask", "x"
    )
    assert not_an_address.returncode == 5, not_an_address.stderr
    assert "Traceback" not in not_an_address.stderr
    assert "tcp://127.0.0.1:8786" in not_an_address.stderr


def test_pemda_averaged_another_way_are_counted_and_shown() -> None:
    """A Pemda without a cap (or weighted) ranked beside capped ones, and the workbook did not
    show it: the Pemda sheet has its method, the Ringkasan counts those unlike most."""
    from pipeline.nasional import summary
    from pipeline.workbook.nasional import PEMDA_COLS

    common = "rata-rata sederhana, capaian dibatasi 120%"
    rows = [
        {"kode_pemda": k, "status": "FINAL", "rata_rata_capaian": v, "metode": m}
        for k, v, m in (
            ("1", 90.0, common),
            ("2", 95.0, common),
            ("3", 101.0, "rata-rata sederhana, tanpa batas capaian"),
        )
    ]
    head = summary.headline(summary.pemda_table(rows), summary.national_scale())
    assert head["metode_lain"] == 1
    assert "metode" in [c.key for c in PEMDA_COLS]


def test_pemda_averaged_alike_over_other_counts_are_not_counted_as_unlike() -> None:
    """Each Pemda's ``metode`` ends with its own count ("… dari 527 indikator"): 18 of 20
    generated Pemda, all unweighted and capped at 120%, were said on the Ringkasan to average
    "dengan cara lain dari kebanyakan"."""
    from pipeline.config import build_settings
    from pipeline.nasional import summary
    from pipeline.score import method_text

    capped = method_text(build_settings({})[0])
    assert capped == "rata-rata sederhana, capaian dibatasi 120%"
    rows = [
        {"kode_pemda": k, "status": "FINAL", "rata_rata_capaian": 90.0, "metode": m}
        for k, m in (
            ("1", f"{capped} dari 527 indikator"),
            ("2", f"{capped} dari 174 indikator"),
            ("3", f"{capped} dari 1043 indikator"),
            ("4", "rata-rata sederhana, tanpa batas capaian dari 174 indikator"),
            ("5", f"rata-rata sederhana dari 9 rata-rata Sasaran (tiap Sasaran: {capped})"),
        )
    ]
    head = summary.headline(summary.pemda_table(rows), summary.national_scale())
    assert head["metode_lain"] == 2


def test_an_address_that_is_no_dask_scheduler_is_one_sentence(tmp_path: Path) -> None:
    """The dashboard's port (printed by the run itself), a web server or a socket that never
    answers: the run waited without end. tls:// and ucx:// ended in a TypeError traceback."""
    import socket
    import threading
    import time

    root = tmp_path / "akar"
    root.mkdir()
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, never says a word
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        done = run_cli(
            "nasional", "--root", str(root), "--output", str(tmp_path / "o"), "--dask", address
        )
        assert time.monotonic() - started < 60
        assert done.returncode == 5, done.stderr
        assert "tidak menjawab sebagai penjadwal Dask" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        silent.close()
    for other in ("tls://127.0.0.1:8786", "ucx://127.0.0.1:8786", "inproc://x", "localhost"):
        done = run_cli(
            "nasional", "--root", str(root), "--output", str(tmp_path / "o"), "--dask", other
        )
        assert done.returncode == 5 and "Traceback" not in done.stderr, done.stderr
        assert "tcp://<host>:<port>" in done.stderr


def test_ringkasan_stays_one_page_with_many_draft_pemda(national: Setup, tmp_path: Path) -> None:
    """Many DRAFT Pemda with long reasons: as many as fit are named, the rest counted."""
    import openpyxl

    from pipeline.layout import printable_height_pt
    from pipeline.workbook.nasional import RINGKASAN_SCALE

    _, out, _ = national
    one = _table(out, "pemda").iloc[[0]]
    reason = "4 ERROR di 3 OPD (OPD0007, OPD0018, OPD0023): " + ", ".join(
        f"aturan.nomor_{i} ×1" for i in range(6)
    )
    pemda = pd.concat([one] * 30, ignore_index=True)
    pemda["kode_pemda"] = [f"{9000 + i}" for i in range(30)]
    pemda["status"] = "DRAFT"
    pemda["alasan"] = reason
    pemda["jumlah_error"] = 4
    path = _workbook_of(pemda, tmp_path / "nasional.xlsx")
    ws = openpyxl.load_workbook(path)["Ringkasan"]
    last = max(row for row in range(1, ws.max_row + 1) if ws.cell(row, 1).value is not None)
    height = sum(ws.row_dimensions[r].height or 15.0 for r in range(1, last + 1))
    assert height <= printable_height_pt(landscape=True) * 100 / RINGKASAN_SCALE
    named = [ws.cell(r, 1).value for r in range(1, last + 1)]
    listed = [v for v in named if str(v).startswith("90")]
    # beside the chart the reason has column B, under it the page's width: the page was a
    # third empty with one of them named (the reason wrapped to six lines in column B)
    assert 4 <= len(listed) < 30
    assert f"… dan {30 - len(listed)} Pemda lain (sheet Pemda)" in named
    wide = [r for r in range(1, last + 1) if str(ws.cell(r, 1).value).startswith("90")]
    assert any(f"B{r}:G{r}" in {str(m) for m in ws.merged_cells.ranges} for r in wide)


def test_workers_are_let_go_before_the_outputs_are_written(tmp_path: Path) -> None:
    from pipeline.nasional.run import run_nasional

    (tmp_path / "akar" / "tanpa_input" / "master").mkdir(parents=True)
    (tmp_path / "akar" / "tanpa_input" / "master" / "s.xlsx").write_bytes(b"x")
    out = tmp_path / "keluaran"

    class Watched:  # an executor with nothing to run: what is in the output when it closes
        description, dashboard, workers = "uji", "", 1
        seen: list[str] | None = None

        def close(self) -> None:  # nothing written yet, in the output or its staging folder
            if self.seen is None:
                self.seen = sorted(
                    p.name for p in tmp_path.rglob("*") if p.is_file() and "akar" not in p.parts
                )

    executor = Watched()
    run_nasional(tmp_path / "akar", out, executor)  # type: ignore[arg-type]
    assert executor.seen == []
    assert (out / "manifest.json").is_file()


def test_a_pemda_that_kills_its_pool_worker_fails_alone(tmp_path: Path) -> None:
    """A local pool whose worker dies fails every task it holds, the other worker's and the
    queued ones too: only the Pemda that kills a worker while running alone is *gagal*."""
    from pipeline.nasional.run import run_nasional
    from pipeline.nasional.work import GAGAL

    root = tmp_path / "akar"
    for i in range(5):
        other_pemda(root / f"p{i}", f"91{i:02d}", f"Kabupaten Uji {i}", shift=i / 100)
    (root / "p1" / WORKER_KILLER).touch()

    class Dying(LocalExecutor):  # the real pool, running the batches of the killing Pemda
        def submit(self, fn: Any, *args: Any) -> Any:
            return super().submit(run_batch_or_die if fn is run_batch else fn, *args)

    executor = Dying(2)
    try:
        run = run_nasional(root, tmp_path / "keluaran", executor, batch_size=2)
    finally:
        executor.close()
    rows = run.pemda.set_index("folder")
    assert rows.loc["p1", "status"] == GAGAL
    assert "menghentikan worker" in rows.loc["p1", "alasan"]
    others = rows.drop(index="p1")
    assert len(others) == 4
    assert GAGAL not in set(others["status"]), others[["status", "alasan"]]
    indikator = pd.read_parquet(tmp_path / "keluaran" / "indikator.parquet")
    assert sorted(set(indikator["kode_pemda"])) == sorted(others["kode_pemda"])


def _pemda_folders(root: Path, count: int) -> None:
    """``count`` folders the layout accepts (a spec of their own, one file), never read."""
    spec = openpyxl.load_workbook(SPEC_PATH)
    for i in range(count):
        (root / f"p{i:02d}" / "input_xlsx").mkdir(parents=True)
        (root / f"p{i:02d}" / "master").mkdir()
        spec["pemda"]["A2"] = f"9{i:03d}"
        spec.save(root / f"p{i:02d}" / "master" / "spec.xlsx")
        (root / f"p{i:02d}" / "input_xlsx" / "opd.xlsx").write_bytes(b"-")


class _BreakingPool:
    """A local pool as ``concurrent.futures`` makes it when one of its workers dies: every task
    it holds fails. Here every task held runs at once, and one holding a Pemda folder of
    ``killers`` breaks them all; a task that runs returns a row per Pemda."""

    description, dashboard, workers = "uji", "", 2
    worker_died = LocalExecutor.worker_died

    def __init__(self, killers: set[str]) -> None:
        self.killers = killers
        self.held: list[tuple[cf.Future[Any], list[Any]]] = []
        self.runs: list[list[str]] = []

    def submit(self, fn: Any, batch: list[Any], *args: Any) -> cf.Future[Any]:
        future: cf.Future[Any] = cf.Future()
        self.held.append((future, batch))
        return future

    def first_done(self, futures: list[Any]) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        from pipeline.nasional.work import FINAL, not_run

        if not any(f.done() for f in futures):
            held, self.held = self.held, []
            self.runs += [[f.folder for f in batch] for _, batch in held]
            dies = any(f.folder in self.killers for _, batch in held for f in batch)
            for future, batch in held:
                if dies:
                    future.set_exception(BrokenProcessPool("a worker died"))
                else:
                    future.set_result([not_run(f, FINAL, "") for f in batch])
        return next(f for f in futures if f.done())

    def result(self, future: Any) -> Any:
        return future.result()

    def close(self) -> None:
        pass


def test_after_a_broken_pool_only_the_halves_holding_the_killer_run_again_apart(
    tmp_path: Path,
) -> None:
    """A pool whose worker dies fails every task it holds (as ``concurrent.futures`` does): the
    Pemda of those tasks are run again in batches, one batch at a time, and only the batch
    holding the Pemda that stops its worker is halved; no Pemda is run again on its own but
    those the halving reaches (each Pemda alone would pay a task's fixed cost)."""
    from pipeline.nasional.run import MAX_BATCH, run_nasional
    from pipeline.nasional.work import FINAL, GAGAL

    _pemda_folders(tmp_path / "akar", 40)
    pool = _BreakingPool({"p13"})
    run = run_nasional(tmp_path / "akar", tmp_path / "keluaran", pool)  # type: ignore[arg-type]
    status = dict(zip(run.pemda["folder"], run.pemda["status"], strict=True))
    assert status.pop("p13") == GAGAL
    assert set(status.values()) == {FINAL} and len(status) == 39
    alone = [r[0] for r in pool.runs if len(r) == 1]
    assert "p13" in alone and len(alone) <= 2, alone  # the last halving's two halves at most
    # the first tasks, the same Pemda again in batches, and two halves per halving of one
    first, again = len(batches(list(range(40)), 2)), len(batches(list(range(40)), 1))
    assert len(pool.runs) <= first + again + 2 * math.ceil(math.log2(MAX_BATCH)), pool.runs


def test_a_local_pool_whose_workers_die_on_every_pemda_stops_the_run(tmp_path: Path) -> None:
    """Every Pemda stops its worker, also alone, and none came back: the machine (its memory),
    not the Pemda. One sentence (exit code 5) and the last outputs kept, not a set of rows
    that each say *gagal diproses*; after :data:`DEATHS_ALONE` such Pemda, not all of them."""
    from pipeline.nasional.executor import EnvironmentProblem
    from pipeline.nasional.run import DEATHS_ALONE, run_nasional

    _pemda_folders(tmp_path / "akar", 12)
    out = tmp_path / "keluaran"
    out.mkdir()
    (out / "pemda.parquet").write_bytes(b"the last run's")
    pool = _BreakingPool({f"p{i:02d}" for i in range(12)})
    with pytest.raises(EnvironmentProblem, match="memori mesin ini"):
        run_nasional(tmp_path / "akar", out, pool)  # type: ignore[arg-type]
    assert sum(len(r) == 1 for r in pool.runs) == DEATHS_ALONE
    assert (out / "pemda.parquet").read_bytes() == b"the last run's"


def test_pool_workers_start_with_the_suites_loaded_and_the_collector_set() -> None:
    import gc

    from pipeline.nasional.work import GC_THRESHOLD

    executor = LocalExecutor(1)
    try:
        assert executor.result(executor.submit(gc.get_threshold)) == GC_THRESHOLD
        assert executor.result(executor.submit(gc.get_freeze_count)) > 0
    finally:
        executor.close()


def test_pool_workers_end_when_the_command_is_killed() -> None:
    """``kill -9`` of the command (or the OOM killer) leaves no worker holding the pipeline in
    memory: each ends itself once the process that started its pool is gone."""
    import contextlib
    import os
    import signal
    import subprocess
    import sys
    import time

    import psutil

    from tests.conftest import ROOT

    code = (
        "import time\n"
        "from pipeline.nasional.executor import LocalExecutor\n"
        "ex = LocalExecutor(2)\n"
        "print('siap', flush=True)\n"
        "time.sleep(300)\n"
    )
    command = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        workers: list[psutil.Process] = []
        assert command.stdout is not None and command.stdout.readline().strip() == "siap"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the pool's workers, forked from its server
            tree = psutil.Process(command.pid).children(recursive=True)
            workers = [p for p in tree if p.ppid() != command.pid]
            if len(workers) >= 2:
                break
            time.sleep(0.2)
        assert len(workers) >= 2
        os.kill(command.pid, signal.SIGKILL)
        command.wait()
        _, alive = psutil.wait_procs(workers, timeout=30)
        assert alive == []
    finally:
        if command.poll() is None:
            command.kill()
            command.wait()
        for worker in workers:  # when the test fails, it leaves nothing behind either
            with contextlib.suppress(psutil.Error):
                worker.kill()


def test_tables_without_rows_keep_their_columns(tmp_path: Path) -> None:
    """Every spec refused: the tables no Pemda gave a row to still have all their columns,
    typed, so the README's query finds no row instead of failing (they had no column at all,
    then only the Pemda, province and year)."""
    from pipeline.nasional.run import run_nasional
    from tests.conftest import ROOT
    from tests.national_roots import refused_spec

    duckdb = pytest.importorskip("duckdb")

    root, out = tmp_path / "akar", tmp_path / "keluaran"
    refused_spec(root / "spec_rusak", "1299")
    run_nasional(root, out, LocalExecutor(1))
    assert _table(out, "pemda")["status"].tolist() == ["spec ditolak"]
    assert len(_table(out, "validasi")) > 0  # the spec's own issues
    for name in ("indikator", "anggaran", "berkas"):
        path = out / f"{name}.parquet"
        assert pq.read_schema(path).remove_metadata() == COLUMNS[name], name
        frame = pd.read_parquet(path)
        assert frame.empty and str(frame["tahun"].dtype) == "Int64", name
        found = duckdb.sql(
            f"SELECT count(*) FROM '{path}' WHERE kode_pemda = '1299' AND tahun = 2018"
        ).fetchall()
        assert found == [(0,)], name
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    query = re.search(r'duckdb\.sql\(\\"(SELECT [^"]+)\\"\)', readme)
    assert query is not None
    sql = query.group(1).replace("output/nasional/", f"{out}/")
    assert duckdb.sql(sql).fetchall() == []


def test_a_folder_named_in_bytes_that_are_not_utf8_runs_and_is_shown(tmp_path: Path) -> None:
    """A Pemda folder whose name is not UTF-8 (copied from another system) is run like any
    other and shown with each such byte as \\xNN; it ended the run when its raw name reached
    the typed tables."""
    import json
    import os

    from pipeline.nasional.run import run_nasional
    from tests.national_roots import binjai

    root, out = tmp_path / "akar", tmp_path / "keluaran"
    binjai(root / os.fsdecode(b"binjai \xff\x01"))
    run_nasional(root, out, LocalExecutor(1))
    pemda = _table(out, "pemda")
    assert pemda["folder"].tolist() == ["binjai \\xff\\x01"]
    assert pemda["status"].tolist() == ["DRAFT"] and pemda["kode_pemda"].tolist() == ["1275"]
    assert set(_table(out, "validasi")["folder"]) == {"binjai \\xff\\x01"}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [(p["folder"], p["kode_pemda"]) for p in manifest["pemda"]] == [
        ("binjai \\xff\\x01", "1275")
    ]


def test_national_outputs_are_one_set_and_a_full_disk_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The national outputs are replaced as one set: a disk that fills up (also inside the xlsx
    writer, which wraps the system's error in its own) leaves the last set as it was, with one
    Indonesian sentence and exit code 10; an output that is a file is refused untouched."""
    import xlsxwriter.exceptions

    from pipeline import cli
    from pipeline.nasional import run as national
    from tests.national_roots import binjai

    root, out = tmp_path / "akar", tmp_path / "keluaran"
    binjai(root / "binjai")
    args = ["nasional", "--root", str(root), "--output", str(out), "--workers", "1"]
    assert cli.main(args) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert out / "manifest.json" in before
    binjai(root / "binjai_salinan")  # the next runs have one more Pemda row to write
    real = national._write
    for failure in (
        OSError(28, "No space left on device"),
        xlsxwriter.exceptions.FileCreateError(OSError(28, "No space left on device")),
    ):

        def full(*a: object, failure: Exception = failure) -> object:
            real(*a)  # type: ignore[arg-type]  # the set written into the staging folder
            raise failure

        monkeypatch.setattr(national, "_write", full)
        capsys.readouterr()
        assert cli.main(args) == cli.EXIT_OUTPUT
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "disk penuh" in err[0] and "sebelumnya tidak diubah" in err[0]
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".keluaran.baru-")]
    a_file = tmp_path / "catatan.txt"
    a_file.write_text("penting", encoding="utf-8")
    monkeypatch.undo()
    capsys.readouterr()
    assert cli.main([*args[:3], "--output", str(a_file)]) == cli.EXIT_OUTPUT
    assert "bukan folder" in capsys.readouterr().err
    assert a_file.read_text(encoding="utf-8") == "penting"


def test_a_root_where_no_spec_gives_a_year_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every folder stopped before its spec's year was read (here a .xls spec): the run wrote
    'nasional_.xlsx', said 'Konsolidasi tahun  —' and headed every sheet and page 'Tahun 2000'."""
    from pipeline import cli

    root, out = tmp_path / "akar", tmp_path / "keluaran"
    (root / "a" / "master").mkdir(parents=True)
    (root / "a" / "master" / "spec.xls").write_bytes(SPEC_PATH.read_bytes())
    (root / "a" / "input_xlsx").mkdir()
    assert cli.main(["nasional", "--root", str(root), "--output", str(out), "--workers", "1"]) == 0
    said = capsys.readouterr().out
    assert "Konsolidasi (tahun laporan belum diketahui) — 1 Pemda" in said
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["nasional_tanpa_tahun.xlsx"]
    wb = openpyxl.load_workbook(out / "nasional_tanpa_tahun.xlsx")
    cells = [str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c]
    assert wb["Tidak Diolah"]["A1"].value == "Pemda yang tidak dapat diolah (1) — Nasional"
    assert wb["Ringkasan"]["A2"].value.endswith("Pemda (tahun laporan belum diketahui)")
    assert not [c for c in cells if "2000" in c or re.search(r"[Tt]ahun\s*$", c)]
    assert not [ws.title for ws in wb if "2000" in (ws.oddFooter.center.text or "")]


def test_dask_progress_starts_with_its_stage_not_zero_counts(tmp_path: Path) -> None:
    """With Dask, the dashboard note redrew the line before the stage was set: a terminal saw
    ``Pemda 0/0 · berkas 0/0`` flash before ``Memeriksa folder Pemda``."""
    from pipeline.nasional.run import NoPemda, run_nasional

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    class Cluster:
        dashboard = "http://127.0.0.1:8787/status"

    shown = Terminal()
    (tmp_path / "root").mkdir()
    with pytest.raises(NoPemda):
        run_nasional(tmp_path / "root", tmp_path / "out", Cluster(), progress_to=shown)  # type: ignore[arg-type]
    said = shown.getvalue()
    assert "Dasbor Dask: http://127.0.0.1:8787/status" in said
    assert "Memeriksa folder Pemda" in said and "Pemda 0/0" not in said


def test_one_pemda_folder_given_as_the_root_says_so(tmp_path: Path) -> None:
    """``ROOT=`` one Pemda's own folder (the layout of this repository) was told there is no
    Pemda folder in it, which reads as if its master/ and input_xlsx/ were not found."""
    from tests.national_roots import binjai

    pemda = binjai(tmp_path / "akar" / "binjai")
    # beside master/ and input_xlsx/, the outputs of its own `make report` and an archive of
    # old reports: the root was then run as a 'Pemda' laid out wrongly (output/), exit 0
    _report_workbook(pemda / "output" / "1275_2018_konsolidasi.xlsx")
    (pemda / "output" / "manifest.json").write_text("{}")
    _report_workbook(pemda / "arsip" / "1275_2017_konsolidasi.xlsx")
    done = run_cli("nasional", "--root", str(pemda), "--output", str(tmp_path / "o"))
    assert done.returncode == 8 and "Traceback" not in done.stderr
    assert "adalah folder satu Pemda" in done.stderr
    assert str(tmp_path / "akar") in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_pemda_sheet_shares_its_rows_evenly_over_the_pages(
    national: Setup, tmp_path: Path
) -> None:
    """The Pemda sheet printed on A4 in four panels of 19 rows, the 20th Pemda alone on a page
    of each panel (11 pages for 20 Pemda): now on A3 in three panels at the same print scale,
    20 Pemda on one page of each, and more shared evenly over as few pages as they need."""
    import openpyxl

    _, out, _ = national
    one = _table(out, "pemda").iloc[[0]]
    for count in (20, 70, 130):
        pemda = pd.concat([one] * count, ignore_index=True)
        pemda["kode_pemda"] = [f"{9000 + i}" for i in range(count)]
        pemda["alasan"] = "4 ERROR di 4 OPD (OPD0005, OPD0007, OPD0018, OPD0023): " + (
            "anggaran.melebihi_pagu ×2, berkas.format ×1, nilai.tangga ×1"
        )
        path = _workbook_of(pemda, tmp_path / f"nasional_{count}.xlsx")
        ws = openpyxl.load_workbook(path)["Pemda"]
        assert ws.page_setup.paperSize == 8 and ws.page_setup.orientation == "landscape"
        assert ws.page_setup.scale >= 80  # 9 pt text prints at 7,2 pt or more
        assert ws.print_title_cols == "$A:$B" and len(ws.col_breaks.brk) == 2  # three panels
        starts = [2] + [b.id for b in ws.row_breaks.brk] + [2 + count]
        sizes = [b - a for a, b in itertools.pairwise(starts)]
        assert sum(sizes) == count and (len(sizes) == 1) == (count == 20), sizes
        assert max(sizes) - min(sizes) <= 1, sizes  # no page with a last row or two alone


def _workbook_of(pemda: pd.DataFrame, path: Path) -> Path:
    """The national workbook of these Pemda rows alone (no root run), all in one colour."""
    from pipeline.nasional import summary
    from pipeline.workbook.nasional import write_national_workbook

    table = summary.pemda_table(pemda.to_dict("records")).assign(warna_predikat="#00B050")
    scale = summary.national_scale()
    return write_national_workbook(
        path,
        table,
        summary.headline(table, scale),
        summary.distribution(table, scale),
        summary.provinces(table, scale),
        summary.data_quality([]),
        scale,
        "Uji",
        "Nasional",
        2024,
    )


def test_the_distribution_names_each_band_by_its_range_as_the_pemda_workbook_does() -> None:
    """The national Ringkasan read '> 90 Sangat Tinggi … lainnya Sangat Rendah' beside the band
    names; each Pemda's Ringkasan says '> 75 dan ≤ 90' … '≤ 50'."""
    from pipeline.nasional import summary

    table = pd.DataFrame({"status": ["FINAL"] * 3, "rata_rata_capaian": [95.0, 80.0, 40.0]})
    got = summary.distribution(table, summary.national_scale())
    assert got[["predikat", "aturan", "jumlah_pemda"]].values.tolist() == [
        ["Sangat Tinggi", "> 90", 1],
        ["Tinggi", "> 75 dan ≤ 90", 1],
        ["Sedang", "> 65 dan ≤ 75", 0],
        ["Rendah", "> 50 dan ≤ 65", 0],
        ["Sangat Rendah", "≤ 50", 1],
    ]
