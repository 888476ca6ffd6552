"""N synthetic Pemda for ``make nasional``: one folder each, laid out like this repository's data.

    .venv/bin/python scripts/build_national_demo.py --pemda 20 --seed 1 /tmp/nasional
    make nasional ROOT=/tmp/nasional

Each Pemda is built with the seeded generator of ``scripts/synthetic.py`` (a master spec that
the pipeline accepts, real templates filled with realistic values) and differs from the others:
25–45 OPDs (more of them near 45: about 38 on average, so that 542 Pemda send about 21,000
files, a national year's), its own number of indicators and polarity mix, its own level of
performance (most near their targets, some well below), quarterly-only OPDs, qualitative
values, and a few late, missing (not sent), superseded and broken files. Most Pemda carry a
province code (several in one province); a few carry none. Same arguments, same bytes. Nothing
generated is meant to be committed.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pipeline.master import read_masters  # noqa: E402
from scripts import synthetic  # noqa: E402

# Demo provinces (Kemendagri codes). Pemda are spread over them unevenly, as in life.
PROVINCES = [
    ("11", "Aceh"),
    ("12", "Sumatera Utara"),
    ("13", "Sumatera Barat"),
    ("32", "Jawa Barat"),
    ("33", "Jawa Tengah"),
    ("35", "Jawa Timur"),
    ("52", "Nusa Tenggara Barat"),
    ("63", "Kalimantan Selatan"),
    ("73", "Sulawesi Selatan"),
    ("94", "Papua"),
]
_NAMES = [
    "Sukamaju",
    "Mekarsari",
    "Tanjung Harapan",
    "Sumber Rejo",
    "Karang Anyar",
    "Bukit Tinggi Raya",
    "Muara Baru",
    "Pasir Putih",
    "Lembah Hijau",
    "Sungai Emas",
    "Tirta Jaya",
    "Padang Luas",
]
WITHOUT_PROVINCE = 0.12  # share of Pemda whose spec has no province code


@dataclass(frozen=True)
class Plan:
    """One synthetic Pemda: its codes, size and what is wrong with its inbox."""

    index: int
    seed: int
    tahun: int
    kode_pemda: str
    nama_pemda: str
    provinsi: tuple[str, str] | None
    opd: int
    indikator: int
    program: int
    mix: tuple[tuple[str, float], ...]
    quarterly: float
    missing: int
    late: int
    broken: int
    duplicates: int
    kinerja: float = 1.0  # realisations around this share of the targets

    @property
    def folder(self) -> str:
        name = self.nama_pemda.removeprefix("Pemerintah ").lower()
        slug = re.sub(r"[^a-z0-9]+", "_", name).strip("_")
        return f"{self.kode_pemda}_{slug}"


def plans(count: int, seed: int, opd: tuple[int, int] = (25, 45), tahun: int = 2024) -> list[Plan]:
    """What to build: every Pemda's size, province and defects, from the seed alone.

    ``opd`` is the range of OPD counts (tests use small Pemda); more Pemda lie near its top.
    """
    rng = random.Random(f"nasional/{seed}")  # the first N Pemda are the same for any count
    used: dict[str, int] = {}
    out = []
    for i in range(count):
        prov = None if rng.random() < WITHOUT_PROVINCE else rng.choice(PROVINCES)
        prefix = prov[0] if prov else "99"
        used[prefix] = used.get(prefix, 0) + 1
        kind = "Kota" if rng.random() < 0.2 else "Kabupaten"
        name = f"{rng.choice(_NAMES)} {used[prefix]}"
        weights = [rng.uniform(0.4, 0.8), rng.uniform(0.1, 0.3), rng.uniform(0.0, 0.15)]
        weights.append(max(0.02, 1 - sum(weights)))
        # more Pemda near the top of the range than near its foot: with 25-45 they average
        # about 38 OPDs and as many files, 542 of them about 21,000 workbooks, a year's
        n_opd = round(rng.triangular(opd[0], opd[1], opd[1]))
        out.append(
            Plan(
                index=i,
                seed=seed * 100_000 + i,
                tahun=tahun,
                kode_pemda=f"{prefix}{used[prefix]:02d}",
                nama_pemda=f"Pemerintah {kind} {name}",
                provinsi=prov,
                opd=n_opd,
                indikator=rng.randint(6, 14),
                program=rng.randint(3, 6),
                mix=tuple(zip(("naik", "turun", "range", "kualitatif"), weights, strict=True)),
                quarterly=rng.uniform(0.0, 0.25),
                missing=rng.choice([0, 0, 1, 1, 2, 3]),
                late=rng.choice([0, 1, 1, 2, 3]),
                broken=rng.choice([0, 0, 1, 1, 2]),
                duplicates=rng.choice([0, 1, 1, 2]),
                # most Pemda near their targets, some well below: the averages spread over
                # the predikat bands
                kinerja=round(rng.triangular(0.55, 1.05, 0.95), 3),
            )
        )
    return out


def spec_sheets(plan: Plan) -> dict[str, list[list[object]]]:
    """The generator's spec for this Pemda, with its own name and (optional) province."""
    sheets = synthetic.spec_rows(
        opd=plan.opd,
        indikator=plan.indikator,
        program=plan.program,
        seed=plan.seed,
        tahun=plan.tahun,
        kode_pemda=plan.kode_pemda,
        polarity_mix=plan.mix,
    )
    head, row = sheets["pemda"]
    row[head.index("nama_pemda")] = plan.nama_pemda
    row[head.index("visi")] = f"{plan.nama_pemda.removeprefix('Pemerintah ')} yang maju"
    if plan.provinsi:
        sheets["pemda"] = [[*head, "kode_provinsi", "nama_provinsi"], [*row, *plan.provinsi]]
    return sheets


def build_chunk(job: tuple[list[Plan], str]) -> list[tuple[str, int]]:
    """Write a few Pemda folders: ``master/<spec>.xlsx`` and ``input_xlsx/`` each.

    The specs of the chunk are read back in one pass (the spec suite's fixed cost once);
    every file depends on its own Pemda's plan only, so any chunking gives the same bytes.
    """
    chunk, out = job
    folders = [Path(out) / plan.folder for plan in chunk]
    paths = [
        synthetic.write_spec(folder / "master" / f"spec_{plan.kode_pemda}.xlsx", spec_sheets(plan))
        for plan, folder in zip(chunk, folders, strict=True)
    ]
    done = []
    for plan, folder, path, (spec, issues) in zip(
        chunk, folders, paths, read_masters(paths), strict=True
    ):
        if spec is None:
            raise SystemExit("\n".join(f"{path}: {i.message}" for i in issues))
        files = synthetic.fill(
            spec,
            folder / "input_xlsx",
            files=plan.opd - plan.missing + plan.duplicates,
            seed=plan.seed,
            broken=plan.broken,
            late=plan.late,
            duplicates=plan.duplicates,
            quarterly=plan.quarterly,
            kinerja=plan.kinerja,
        )
        done.append((plan.folder, len(files)))
    return done


CHUNK = 8  # Pemda whose specs are read in one pass


def build(
    count: int,
    seed: int,
    out: Path,
    jobs: int = 2,
    opd: tuple[int, int] = (25, 45),
    tahun: int = 2024,
) -> list[tuple[str, int]]:
    """Build ``count`` Pemda under ``out`` (``jobs`` processes); returns (folder, files)."""
    out.mkdir(parents=True, exist_ok=True)
    todo = plans(count, seed, opd, tahun)
    chunks = [(todo[i : i + CHUNK], str(out)) for i in range(0, len(todo), CHUNK)]
    if jobs > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(jobs, mp_context=get_context("spawn")) as pool:
            return [d for done in pool.map(build_chunk, chunks) for d in done]
    return [d for job in chunks for d in build_chunk(job)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("output", type=Path, help="root folder to create (one folder per Pemda)")
    parser.add_argument("--pemda", type=int, default=20, help="number of Pemda (default 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--opd", default="25-45", metavar="MIN-MAX", help="OPDs per Pemda (default 25-45)"
    )
    parser.add_argument("--tahun", type=int, default=2024, help="reporting year (default 2024)")
    args = parser.parse_args(argv)
    low, _, high = args.opd.partition("-")
    started = time.perf_counter()
    opd = (int(low), int(high or low))
    done = build(args.pemda, args.seed, args.output, args.jobs, opd, args.tahun)
    files = sum(n for _, n in done)
    print(
        f"{len(done)} Pemda, {files} berkas di {args.output} "
        f"({time.perf_counter() - started:.0f} detik)"
    )


if __name__ == "__main__":
    main()
