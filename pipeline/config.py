"""Paths and per-Pemda settings (scale, formula choices, cap, bands).

Defaults live in ``defaults.toml`` beside this file; a master spec overrides any of them in its
``pengaturan`` sheet and may add scales in a ``skala`` sheet. Rules are data: no threshold is
written in code.
"""

from __future__ import annotations

import copy
import functools
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from pipeline import fmt
from pipeline.issues import ERROR, Issue
from pipeline.numbers import cell_text, digits15, parse_number


@dataclass(frozen=True)
class Band:
    """One predikat band: values passing ``batas`` (strictly or not) get ``label``."""

    label: str
    batas: float
    aturan: str  # "lebih_dari" (>) or "minimal" (>=)
    warna: str

    def admits(self, value: float) -> bool:
        """True when ``value`` belongs to this band or a band below it passes it up."""
        return value > self.batas if self.aturan == "lebih_dari" else value >= self.batas


@dataclass(frozen=True)
class Scale:
    """A predikat scale: bands ordered from the top, the last one unbounded below."""

    key: str
    judul: str
    bands: tuple[Band, ...]

    def classify(self, value: float | None) -> str:
        """Label of the band ``value`` falls in; empty string for a missing value. The value
        is compared as shown to 15 digits (:func:`~pipeline.numbers.digits15`): an average of
        ``90.00000000000001`` is 90, which does not pass ``> 90``."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        value = digits15(float(value))
        for band in self.bands:
            if band.admits(value):
                return band.label
        return self.bands[-1].label

    def colour(self, label: str) -> str:
        """Hex colour of a band label (grey when unknown)."""
        return next((b.warna for b in self.bands if b.label == label), "#BDBDBD")

    def rentang(self) -> list[str]:
        """The capaian range of each band, top band first: ``> 90``, ``> 75 dan ≤ 90``, …,
        ``≤ 50`` (the range only; the band's label is beside it wherever it is shown)."""
        out: list[str] = []
        above: Band | None = None
        for b in self.bands:
            upper = ""
            if above is not None:
                upper = ("≤ " if above.aturan == "lebih_dari" else "< ") + fmt.angka_ringkas(
                    above.batas
                )
            if math.isinf(b.batas):
                out.append(upper or "semua nilai")
            else:
                lower = (
                    (">" if b.aturan == "lebih_dari" else "≥") + " " + fmt.angka_ringkas(b.batas)
                )
                out.append(f"{lower} dan {upper}" if upper else lower)
            above = b
        return out

    def describe(self) -> str:
        """Human-readable band list, e.g. ``> 90 Sangat Tinggi; > 75 Tinggi; ...``."""
        parts = []
        for b in self.bands:
            if math.isinf(b.batas):
                parts.append(f"lainnya {b.label}")
            else:
                op = ">" if b.aturan == "lebih_dari" else "≥"
                parts.append(f"{op} {fmt.angka_ringkas(b.batas)} {b.label}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Settings:
    """The computation rules in force for one run (all recorded in the output)."""

    skala: Scale
    rumus_turun: str = "2T-R"
    batas_capaian: float | None = 120.0
    metode_rata_rata: str = "rata_rata"
    rumus_kualitatif: str = "tercapai_100"
    efisiensi_batas_atas: float = 5.0
    efisiensi_batas_bawah: float = -5.0
    desimal_tampilan: int = 2
    mode_ketat: bool = False
    rata_rata_keseluruhan: str = "indikator"
    rumus_range_atas: str = "R/U"
    raw: dict[str, str] = field(default_factory=dict)
    skala_e81: Scale | None = None  # the E.81 predikat scale (K and Rp)

    @property
    def tepi(self) -> tuple[float, ...]:
        """Every band edge a percent or points figure is judged by: the predikat scales' (the
        LKjIP's and the E.81's), the efficiency bands' and the cap (a figure shown as one of
        them without being it is shown with more decimals: :func:`pipeline.fmt.desimal_tepi`)."""
        scales = [self.skala] + ([self.skala_e81] if self.skala_e81 is not None else [])
        edges = {b.batas for sc in scales for b in sc.bands if math.isfinite(b.batas)}
        edges |= {self.efisiensi_batas_atas, self.efisiensi_batas_bawah}
        if self.batas_capaian is not None:
            edges.add(self.batas_capaian)
        return tuple(sorted(edges))

    def as_rows(self) -> list[tuple[str, str]]:
        """Key/value rows for the Pengaturan sheet and the manifest."""
        rows = [(k, v) for k, v in sorted(self.raw.items())]
        rows.append(("skala_predikat_pita", self.skala.describe()))
        return rows


_CHOICES = {
    "rumus_turun": ("2T-R", "T/R"),
    "metode_rata_rata": ("rata_rata", "bobot"),
    "rumus_kualitatif": ("tercapai_100", "rasio_peringkat"),
    "rumus_range_atas": ("R/U", "turun"),
    "mode_ketat": ("ya", "tidak"),
    "rata_rata_keseluruhan": ("indikator", "sasaran"),
}


def load_defaults() -> dict[str, Any]:
    """The packaged ``defaults.toml`` as a dict (the caller's own copy)."""
    return copy.deepcopy(_defaults())


@functools.cache
def _defaults() -> dict[str, Any]:
    """The packaged defaults, parsed once per process: every spec of a national run (hundreds)
    starts from them, and parsing the file took about a millisecond each time."""
    text = resources.files("pipeline").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _scale_from_toml(key: str, spec: dict[str, Any]) -> Scale:
    bands = tuple(
        Band(str(b["label"]), float(b["batas"]), str(b["aturan"]), str(b["warna"]))
        for b in spec["pita"]
    )
    return Scale(key, str(spec.get("judul", key)), bands)


DESIMAL_MAKS = 6  # decimals a workbook shows at most (beyond, Excel shows noise)


def build_settings(
    overrides: Mapping[str, object] | None = None,
    extra_scales: dict[str, Scale] | None = None,
    where: str = "pengaturan",
    cells: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[Settings, list[Issue]]:
    """Merge the defaults with per-Pemda overrides and check every value.

    An override is text (a number in it is read the Indonesian way: ``110,5``, ``1.000``) or
    a number cell's number, taken as it is. Returns the settings and a list of issues (an
    unknown key or an invalid value is an ERROR, and the default is kept). ``cells`` gives
    each key's cells of the ``pengaturan`` sheet (its key, its value: ``A4``, ``B4``); an
    issue is located there, else by the key's name.
    """
    defaults = load_defaults()
    raw: dict[str, str] = {k: str(v) for k, v in defaults["pengaturan"].items()}
    typed: dict[str, float] = {}  # a number cell's number, not read again from its text
    scales = {k: _scale_from_toml(k, v) for k, v in defaults["skala"].items()}
    scales.update(extra_scales or {})
    issues: list[Issue] = []

    def bad(key: str, found: str, expected: str, message: str = "", at: int = 1) -> None:
        issues.append(
            Issue(
                rule="spec.pengaturan",
                severity=ERROR,
                file=where,
                sheet="pengaturan",
                cell=(cells or {}).get(key, (key, key))[at],
                found=found,
                expected=expected,
                message=message
                or f"Pengaturan '{key}' bernilai '{found}'; yang diharapkan: {expected}.",
            )
        )

    for raw_key, raw_value in (overrides or {}).items():
        given_number = isinstance(raw_value, int | float) and not isinstance(raw_value, bool)
        key, value = raw_key.strip(), cell_text(raw_value, date_only=True)
        if key not in raw:
            known = "salah satu kunci: " + ", ".join(sorted(raw))
            bad(key, key, known, f"Kunci pengaturan '{key}' tidak dikenal; {known}.", at=0)
            continue
        if key in _CHOICES and value not in _CHOICES[key]:
            bad(key, value, " atau ".join(_CHOICES[key]))
            continue
        raw[key] = value
        if given_number:
            typed[key] = float(raw_value)  # type: ignore[arg-type]  # a number, tested above

    if raw["skala_predikat"] not in scales:
        bad("skala_predikat", raw["skala_predikat"], "salah satu: " + ", ".join(sorted(scales)))
        raw["skala_predikat"] = str(defaults["pengaturan"]["skala_predikat"])

    if raw["skala_predikat_e81"] not in scales:
        bad(
            "skala_predikat_e81",
            raw["skala_predikat_e81"],
            "salah satu: " + ", ".join(sorted(scales)),
        )
        raw["skala_predikat_e81"] = str(defaults["pengaturan"]["skala_predikat_e81"])

    def number(key: str, allow_none: bool = False) -> float | None:
        if allow_none and raw[key].lower() in ("none", "tidak ada", ""):
            return None
        value = typed[key] if key in typed else parse_number(raw[key]).value
        if value is not None and math.isfinite(value):
            return value
        bad(key, raw[key], "sebuah angka" + (" atau 'none'" if allow_none else ""))
        raw[key] = str(defaults["pengaturan"][key])
        typed.pop(key, None)
        return float(raw[key]) if raw[key] != "none" else None

    cap = number("batas_capaian", allow_none=True)
    if cap is not None and cap < 100:
        bad(
            "batas_capaian",
            raw["batas_capaian"],
            "angka 100 atau lebih (dalam persen, misalnya 120) atau 'none'",
            f"Pengaturan 'batas_capaian' bernilai {fmt.angka_ringkas(cap, 6)}, di bawah 100: "
            "capaian yang tepat memenuhi targetnya (100 %) pun akan dipotong. Batas ini dalam "
            "persen: tulis 120 untuk 120 %, bukan 1,2 (pecahan).",
        )
        cap = float(defaults["pengaturan"]["batas_capaian"])
    upper = number("efisiensi_batas_atas") or 0.0
    lower = number("efisiensi_batas_bawah") or 0.0
    if lower > upper:
        bad(
            "efisiensi_batas_bawah",
            raw["efisiensi_batas_bawah"],
            f"paling besar {fmt.angka_ringkas(upper)}",
        )
        lower = upper
    decimals = number("desimal_tampilan") or 0.0
    if decimals != int(decimals) or not 0 <= decimals <= DESIMAL_MAKS:
        bad("desimal_tampilan", raw["desimal_tampilan"], f"bilangan bulat 0 sampai {DESIMAL_MAKS}")
        decimals = float(defaults["pengaturan"]["desimal_tampilan"])
    scale = scales[raw["skala_predikat"]]
    if raw["label_predikat"].strip():
        labels = [x.strip() for x in raw["label_predikat"].split(";")]
        if len(labels) != len(scale.bands) or not all(labels):
            bad(
                "label_predikat",
                raw["label_predikat"],
                f"{len(scale.bands)} label dipisah ';' (dari atas ke bawah)",
            )
        else:
            # the title names the scale's own labels ("AA sampai D"): named as relabelled
            title = re.sub(r"\s*\([^()]*\bsampai\b[^()]*\)$", "", scale.judul)
            scale = Scale(
                scale.key,
                f"{title} (label diganti)",  # the new labels are printed beside it
                tuple(
                    Band(label, b.batas, b.aturan, b.warna)
                    for label, b in zip(labels, scale.bands, strict=True)
                ),
            )
    settings = Settings(
        skala=scale,
        rumus_turun=raw["rumus_turun"],
        batas_capaian=cap,
        metode_rata_rata=raw["metode_rata_rata"],
        rumus_kualitatif=raw["rumus_kualitatif"],
        efisiensi_batas_atas=upper,
        efisiensi_batas_bawah=lower,
        desimal_tampilan=int(decimals),
        mode_ketat=raw["mode_ketat"] == "ya",
        rata_rata_keseluruhan=raw["rata_rata_keseluruhan"],
        rumus_range_atas=raw["rumus_range_atas"],
        raw=raw,
        skala_e81=scales[raw["skala_predikat_e81"]],
    )
    return settings, issues


def default_settings() -> Settings:
    """Settings with every default in force."""
    return build_settings()[0]
