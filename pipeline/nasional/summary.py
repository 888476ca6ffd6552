"""The national view across Pemda, as frames (pure functions; the workbook and the charts only
draw them): the Pemda table, the spread of Pemda averages by predikat, the province roll-up, the
ranking within a province and the most frequent data-quality rules."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from typing import Any

import pandas as pd

from pipeline.config import Scale, build_settings
from pipeline.issues import SEVERITY_ORDER
from pipeline.nasional.work import DITOLAK, DRAFT, FINAL, GAGAL, TIDAK_DIJALANKAN

# The Pemda table: one row per folder under the root, in this column order.
PEMDA_COLUMNS = [
    "kode_pemda",
    "nama_pemda",
    "kode_provinsi",
    "nama_provinsi",
    "tahun",
    "folder",
    "status",
    "alasan",
    "rata_rata_capaian",
    "predikat",
    "peringkat",
    "skala",
    "metode",
    "jumlah_indikator",
    "jumlah_dinilai",
    "belum_lapor",
    "tidak_dapat_dihitung",
    "pagu",
    "pagu_dilaporkan",
    "realisasi_anggaran",
    "serapan",
    "efisiensi",
    "kategori_efisiensi",
    "opd_total",
    "opd_kirim",
    "opd_terlambat",
    "opd_belum",
    "opd_ditolak",
    "opd_tanpa_realisasi",
    "berkas_ditemukan",
    "berkas_diterima",
    "berkas_ditolak",
    "berkas_diabaikan",
    "berkas_digantikan",
    "jumlah_error",
    "jumlah_warning",
    "jumlah_info",
    "spec_file",
    "spec_sha256",
    "warna_predikat",
]
_NUMBERS = {
    "rata_rata_capaian",
    "pagu",
    "pagu_dilaporkan",
    "realisasi_anggaran",
    "serapan",
    "efisiensi",
}
_COUNTS = {
    "jumlah_indikator",
    "jumlah_dinilai",
    "belum_lapor",
    "tidak_dapat_dihitung",
    "opd_total",
    "opd_kirim",
    "opd_terlambat",
    "opd_belum",
    "opd_ditolak",
    "opd_tanpa_realisasi",
    "berkas_ditemukan",
    "berkas_diterima",
    "berkas_ditolak",
    "berkas_diabaikan",
    "berkas_digantikan",
    "jumlah_error",
    "jumlah_warning",
    "jumlah_info",
}
SCORED = (FINAL, DRAFT)  # a Pemda whose report was produced (DRAFT or not)
NOT_SCORED = (DITOLAK, TIDAK_DIJALANKAN, GAGAL)


def national_scale() -> Scale:
    """The scale the national views classify Pemda averages on: the packaged default."""
    return build_settings()[0].skala


def pemda_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per Pemda folder, sorted by Kode Pemda, ranked by average capaian."""
    df = pd.DataFrame(rows).reindex(columns=PEMDA_COLUMNS)
    for col in _NUMBERS:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    for col in _COUNTS:  # a Pemda not run has no count: blank, not 0 (it was never counted)
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    df["tahun"] = pd.to_numeric(df["tahun"], errors="coerce").astype("Int64")
    text = [c for c in PEMDA_COLUMNS if c not in _NUMBERS | _COUNTS | {"tahun", "peringkat"}]
    for col in text:
        df[col] = df[col].map(lambda v: "" if _missing(v) else str(v)).astype("str")
    df = df.assign(_tanpa_kode=df["kode_pemda"] == "")
    df = df.sort_values(["_tanpa_kode", "kode_pemda", "folder"], kind="stable")
    df = df.drop(columns="_tanpa_kode").reset_index(drop=True)
    scored = df["status"].isin(SCORED) & df["rata_rata_capaian"].notna()
    rank = df["rata_rata_capaian"].where(scored).rank(ascending=False, method="min")
    return df.assign(peringkat=rank.astype("Int64"))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def scored(pemda: pd.DataFrame) -> pd.DataFrame:
    """The Pemda whose report was produced and which have an average capaian."""
    return pemda[pemda["status"].isin(SCORED) & pemda["rata_rata_capaian"].notna()]


def headline(pemda: pd.DataFrame, scale: Scale) -> dict[str, Any]:
    """The figures on the national Ringkasan."""
    done = scored(pemda)
    values = done["rata_rata_capaian"]
    mean = float(values.mean()) if len(values) else float("nan")
    status = pemda["status"].value_counts()
    pagu = float(pemda["pagu_dilaporkan"].sum(min_count=1) or 0)
    real = float(pemda["realisasi_anggaran"].sum(min_count=1) or 0)
    opd = int(pemda["opd_total"].sum())
    return {
        "pemda": len(pemda),
        "pemda_dinilai": len(done),
        "final": int(status.get(FINAL, 0)),
        "draft": int(status.get(DRAFT, 0)),
        "ditolak": int(status.get(DITOLAK, 0)),
        "tidak_diolah": int(status.get(TIDAK_DIJALANKAN, 0) + status.get(GAGAL, 0)),
        "rata_rata_capaian": mean,
        "predikat": scale.classify(mean),
        "median_capaian": float(values.median()) if len(values) else float("nan"),
        "min_capaian": float(values.min()) if len(values) else float("nan"),
        "max_capaian": float(values.max()) if len(values) else float("nan"),
        "serapan": real / pagu * 100 if pagu > 0 else float("nan"),
        "pagu_dilaporkan": pagu,
        "realisasi_anggaran": real,
        **{col: int(pemda[col].sum()) for col in sorted(_COUNTS)},
        "persen_opd_kirim": int(pemda["opd_kirim"].sum()) / opd * 100 if opd else float("nan"),
        "skala_lain": int((done["skala"] != scale.judul).sum()),
        # averaged in another way than most (weights, another cap): ranked all the same
        "metode_lain": _unlike_most(done["metode"].map(_how_averaged)),
    }


# ``metode`` ends with how many indicators (or Sasaran) were averaged ("… dari 527 indikator",
# "rata-rata sederhana dari 12 rata-rata Sasaran (…)"): a count every Pemda has its own of, not
# a method.
_COUNT = re.compile(r"\bdari \d+ ")


def _how_averaged(metode: object) -> str:
    return _COUNT.sub("dari ", str(metode))


def _unlike_most(methods: pd.Series) -> int:
    return int((methods != methods.mode().iloc[0]).sum()) if len(methods) else 0


def distribution(pemda: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """How many Pemda averages fall in each band of ``scale``, top band first."""
    labels = scored(pemda)["rata_rata_capaian"].map(scale.classify)
    counts = labels.value_counts()
    total = len(labels)
    rows = []
    # the range as the Pemda workbook's Ringkasan says it ('> 75 dan ≤ 90', '≤ 50'): the
    # band's name is in the column beside it
    for band, rule in zip(scale.bands, scale.rentang(), strict=True):
        n = int(counts.get(band.label, 0))
        rows.append(
            {
                "predikat": band.label,
                "aturan": rule,
                "jumlah_pemda": n,
                "persen": n / total * 100 if total else float("nan"),
                "warna": band.warna,
            }
        )
    return pd.DataFrame(rows)


def histogram(pemda: pd.DataFrame, scale: Scale, width: float = 5.0) -> pd.DataFrame:
    """Pemda averages in bins of ``width`` points, each bin coloured by the band of its
    middle (the chart of the distribution draws this frame)."""
    values = scored(pemda)["rata_rata_capaian"]
    if values.empty:
        return pd.DataFrame(columns=["dari", "sampai", "jumlah_pemda", "predikat", "warna"])
    # at least 50–110, so the bands a reader compares with are on the axis
    low = min(50.0, math.floor(float(values.min()) / width) * width)
    high = max(110.0, math.ceil(float(values.max()) / width) * width)
    if high == float(values.max()):
        high += width
    edges = [low + i * width for i in range(round((high - low) / width) + 1)]
    rows = []
    for lo, hi in itertools.pairwise(edges):
        n = int(((values >= lo) & (values < hi)).sum())
        label = scale.classify((lo + hi) / 2)
        rows.append(
            {
                "dari": lo,
                "sampai": hi,
                "jumlah_pemda": n,
                "predikat": label,
                "warna": scale.colour(label),
            }
        )
    return pd.DataFrame(rows)


def province_name(names: Any) -> str:
    """The name most of a province's Pemda give it ('' when none does; of names given as
    often, the first in alphabetical order): not whichever spec came first, which may be a
    Pemda that typed another province's code beside its own province's name."""
    counts = Counter(str(n) for n in names if isinstance(n, str) and n)
    if not counts:
        return ""
    return min(counts, key=lambda n: (-counts[n], n))


def provinces(pemda: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """The province roll-up: Pemda averages (simple mean), budget absorption from the sums,
    completeness and open problems, per ``kode_provinsi``. Empty when no Pemda carries one."""
    with_code = pemda[pemda["kode_provinsi"] != ""]
    rows = []
    for kode, group in with_code.groupby("kode_provinsi", sort=True):
        done = scored(group)
        pagu = float(group["pagu_dilaporkan"].sum())
        real = float(group["realisasi_anggaran"].sum())
        opd = int(group["opd_total"].sum())
        mean = float(done["rata_rata_capaian"].mean()) if len(done) else float("nan")
        rows.append(
            {
                "kode_provinsi": str(kode),
                "nama_provinsi": province_name(group["nama_provinsi"]),
                "jumlah_pemda": len(group),
                "pemda_dinilai": len(done),
                "rata_rata_capaian": mean,
                "predikat": scale.classify(mean),
                "min_capaian": float(done["rata_rata_capaian"].min()) if len(done) else None,
                "max_capaian": float(done["rata_rata_capaian"].max()) if len(done) else None,
                "pagu_dilaporkan": pagu,
                "realisasi_anggaran": real,
                "serapan": real / pagu * 100 if pagu > 0 else float("nan"),
                "opd_total": opd,
                "opd_kirim": int(group["opd_kirim"].sum()),
                "persen_opd_kirim": int(group["opd_kirim"].sum()) / opd * 100 if opd else None,
                "pemda_draft": int((group["status"] == DRAFT).sum()),
                "pemda_tidak_diolah": int(group["status"].isin(NOT_SCORED).sum()),
                "jumlah_error": int(group["jumlah_error"].sum()),
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    rank = out["rata_rata_capaian"].rank(ascending=False, method="min")
    return out.assign(peringkat=rank.astype("Int64"))


def ranking(pemda: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per province (``""`` for the Pemda without a province code): its scored Pemda, best
    first, with their own predikat colour."""
    done = scored(pemda)
    keys = sorted(k for k in done["kode_provinsi"].unique() if k)
    if (done["kode_provinsi"] == "").any() or not keys:
        keys.append("")
    out = {}
    for key in keys:
        group = done[done["kode_provinsi"] == key]
        out[key] = group.sort_values(
            ["rata_rata_capaian", "kode_pemda"], ascending=[False, True], kind="stable"
        )[
            [
                "kode_pemda",
                "nama_pemda",
                "nama_provinsi",
                "rata_rata_capaian",
                "predikat",
                "warna_predikat",
            ]
        ].reset_index(drop=True)
    return out


def data_quality(rules: list[tuple[str, str, str, int, str]]) -> pd.DataFrame:
    """The issue rules across Pemda, most frequent first (ERROR before WARNING before INFO).

    ``rules`` holds ``(kode_pemda, rule, severity, count, example message)`` per Pemda and rule,
    in Pemda order (so the example is the first Pemda's).
    """
    columns = ["rule", "severity", "jumlah", "jumlah_pemda", "contoh"]
    if not rules:
        return pd.DataFrame(columns=columns)
    df = pd.DataFrame(rules, columns=["kode_pemda", "rule", "severity", "jumlah", "contoh"])
    out = (
        df.groupby(["rule", "severity"], sort=False)
        .agg(
            jumlah=("jumlah", "sum"),
            jumlah_pemda=("kode_pemda", "nunique"),
            contoh=("contoh", "first"),
        )
        .reset_index()
    )
    out["_sev"] = out["severity"].map(SEVERITY_ORDER)
    out = out.sort_values(["_sev", "jumlah", "rule"], ascending=[True, False, True], kind="stable")
    return out.drop(columns="_sev").reset_index(drop=True)[columns]
