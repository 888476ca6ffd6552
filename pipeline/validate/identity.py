"""Whose file is it: the OPD a file is counted for, cross-checked with every other sign.

A file's ``_meta`` sheet names its OPD, but a clerk can fill another OPD's template, and a
copied file keeps its ``_meta``. So the claim is checked against the file's name (the OPD
names and aliases of the spec), the indicator codes in its Indikator sheet and, when mail
intake recorded it, the OPD of the sender. Any disagreement is an ERROR: the file is not used
and supersedes nothing, so it can never replace another OPD's genuine data.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePosixPath

from pipeline import template as tpl
from pipeline.ingest import Submission
from pipeline.issues import ERROR, Issue
from pipeline.master import MasterSpec, normalise_name
from pipeline.validate.common import FileIssues

# How the words OPD names start with are shortened in file names.
KIND_SHORT = {"kec": "kecamatan", "bag": "bagian", "kel": "kelurahan", "sekr": "sekretariat"}

# Words any OPD's report file may be named with: they shorten no OPD's name.
GENERIC_WORDS = frozenset(
    "laporan lap capaian kinerja realisasi lkjip sakip renja renstra anggaran triwulan tw "
    "tahun tahunan final revisi rev perbaikan data isian templat template form formulir "
    "kirim kiriman ulang baru lama copy salinan dan kerja program kegiatan hasil evaluasi".split()
)


@dataclass(frozen=True)
class Signs:
    """What, besides ``_meta``, says whose file this is."""

    name: frozenset[str]  # OPDs the file name names
    sheet: tuple[str, ...]  # owners of the sheet's indicators, when none is the claimed OPD's
    sender: str  # OPD of the sender (intake ledger), '' when not recorded
    # OPDs whose name the file name shortens (``Kec. Tanjung Batu``), when it names none in full
    shortened: frozenset[str] = frozenset()


class Directory:
    """The spec's OPD names and indicator owners, looked up once per run."""

    def __init__(self, spec: MasterSpec) -> None:
        self.spec = spec
        self.names: dict[str, str] = {}
        opd = spec.opd
        for kode, nama, alias in zip(
            opd["kode_opd"].tolist(), opd["nama_opd"].tolist(), opd["alias"].tolist(), strict=True
        ):
            for name in [kode, nama, *str(alias or "").split(";")]:
                key = normalise_name(name)
                if key:
                    self.names.setdefault(key, str(kode))
        self.owners = {
            str(k): tuple(map(str, owners))
            for k, owners in zip(
                spec.indikator["kode_indikator"].tolist(),
                spec.indikator["kode_opd_list"].tolist(),
                strict=True,
            )
        }
        self.nama = dict(zip(opd["kode_opd"].tolist(), opd["nama_opd"].tolist(), strict=True))
        self.longest = max((n.count(" ") + 1 for n in self.names), default=0)
        # per first word of a name, the numbers of words of the names starting with it: a file
        # name's runs of words are looked up only where a name may start, at their lengths
        sizes: dict[str, set[int]] = {}
        for n in self.names:
            sizes.setdefault(n.split(" ", 1)[0], set()).add(n.count(" ") + 1)
        self.starts = {w: tuple(sorted(k)) for w, k in sizes.items()}
        # each OPD's names as word lists, and the words no other OPD's names use
        self.phrases: dict[str, list[tuple[str, ...]]] = {}
        for kode, nama, alias in zip(
            opd["kode_opd"].tolist(), opd["nama_opd"].tolist(), opd["alias"].tolist(), strict=True
        ):
            phrases = {
                tuple(normalise_name(n).split()) for n in [nama, *str(alias or "").split(";")]
            }
            self.phrases[str(kode)] = sorted(p for p in phrases if p)
        users = Counter(
            w for phrases in self.phrases.values() for w in {w for p in phrases for w in p}
        )
        self.own_words = {w for w, n in users.items() if n == 1}
        # the words of the Pemda's own name say no OPD (Binjai, Kota)
        pemda = set(normalise_name(str(spec.pemda.get("nama_pemda", ""))).split())
        self.own_word_of = {
            w: kode
            for kode, phrases in self.phrases.items()
            for p in phrases
            for w in p
            if w in self.own_words and len(w) >= 4 and w not in GENERIC_WORDS | pemda
        }
        # the words an OPD's name starts with (Dinas, Badan, Kecamatan …) and their usual
        # shortenings: an OPD is named after one of them
        self.kind_words = {p[0] for phrases in self.phrases.values() for p in phrases if p}
        self.kind_words |= {a for a, word in KIND_SHORT.items() if word in self.kind_words}

    @classmethod
    def of(cls, spec: MasterSpec) -> Directory:
        """The spec's directory, built once per spec (again when its OPD or indicator frame is
        replaced): the per-file checks and the cross-file checks ask the same."""
        return spec.derived("directory", (spec.opd, spec.indikator), lambda: cls(spec))

    def named(self, file_name: str) -> frozenset[str]:
        """OPDs whose code, name or alias appears (as whole words) in the file's own name.

        Every run of consecutive words of the name is looked up (a normalised name is words
        joined by single spaces), so a file costs the same however many OPDs the spec has.
        """
        words = normalise_name(_stem(file_name)).split()
        found = set()
        for start, word in enumerate(words):
            for size in self.starts.get(word, ()):
                if start + size <= len(words):
                    kode = self.names.get(" ".join(words[start : start + size]))
                    if kode is not None:
                        found.add(kode)
        return frozenset(found)

    def shortened(self, file_name: str) -> frozenset[str]:
        """The OPDs the file's name names in part: a word OPD names start with (``Dinas``,
        ``Kecamatan``, ``Kec.``) followed, within four words, by one of that OPD's own words
        (used by no other OPD's name, four letters or more, not a word any report's file name
        may hold, not the Pemda's name): ``Kecamatan Tanjung Batu - laporan.xlsx`` speaks for
        Kecamatan Tanjung Batu Kota although it is not that OPD's full name. Asked only of a
        name that names no OPD in full."""
        words = normalise_name(_stem(file_name)).split()
        found = set()
        for at, word in enumerate(words):
            kode = self.own_word_of.get(word)
            # an OPD is named: a kind of OPD, then (within a few words) this OPD's own word;
            # an ordinary word alone (Pembangunan, Pelayanan) names nobody
            if kode and any(w in self.kind_words for w in words[max(0, at - 4) : at]):
                found.add(kode)
        return frozenset(found)

    def abbreviates(self, file_name: str, kode: str) -> bool:
        """Whether the file's name shortens one of ``kode``'s names the way OPD names are
        shortened: ``Diskop`` (Dinas Koperasi), ``Bag. Organisasi`` (Bagian Organisasi),
        ``UKM`` (Usaha Kecil dan Menengah), ``Kec. Binjai Selatan``.

        A run of words of the name must be made, letter for letter, of beginnings of the OPD
        name's words, in their order (words may be left out), and it must reach a word that no
        other OPD's name uses: at least three letters of it, or its initial among at least
        three initials. ``Dinas`` alone shortens every Dinas, so it says nothing.
        """
        phrases = self.phrases.get(kode, [])
        if not phrases:
            return False
        words = normalise_name(_stem(file_name)).split()
        # words that are another OPD's code, name or alias say that OPD, never this one
        taken: set[int] = set()
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + self.longest) + 1):
                other = self.names.get(" ".join(words[start:end]))
                if other is not None and other != kode:
                    taken.update(range(start, end))
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + 4) + 1):
                if taken.intersection(range(start, end)):
                    continue
                run = "".join(words[start:end])
                if len(run) >= 3 and any(self._shortens(run, p) for p in phrases):
                    return True
        return False

    def _shortens(self, run: str, phrase: tuple[str, ...]) -> bool:
        own = tuple(w in self.own_words for w in phrase)
        return (len(run) >= 3 and _made_of(run, phrase, own, initials=True)) or _made_of(
            run, phrase, own, initials=False
        )

    def sheet_owners(self, sub: Submission, kode_opd: str) -> tuple[str, ...]:
        """The OPDs owning the indicators in the sheet, when none of them is ``kode_opd``'s.

        The rows are read until one of ``kode_opd``'s indicators: in most files the first."""
        owners: list[tuple[str, ...]] = []
        key = tpl.INDIKATOR_COLUMNS[0].key
        for row in sub.indikator:
            group = self.owners.get(str(row.get(key) or ""))
            if group is not None:
                if kode_opd in group:
                    return ()
                owners.append(group)
        if not owners:
            return ()
        counts = Counter(o for group in owners for o in group)
        return tuple(k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def label(self, kode: str) -> str:
        return f"{self.nama.get(kode, kode)} ({kode})"


def _stem(file_name: str) -> str:
    """``PurePosixPath(file_name).name`` without its last suffix; the path is made only for a
    name whose last part is empty or ``.`` (a path normalises those), as making one for every
    file cost more than the lookups of its words."""
    name = file_name.rpartition("/")[2]
    if name in ("", "."):
        name = PurePosixPath(file_name).name
    return name.rsplit(".", 1)[0]


def _made_of(run: str, phrase: tuple[str, ...], own: tuple[bool, ...], initials: bool) -> bool:
    """Whether ``run`` is made, letter for letter, of beginnings of the phrase's words in their
    order (words may be left out), reaching an own word (``own``: used by no other OPD's
    name): with ``initials``, one letter of each word used (``ukm``: Usaha Kecil dan
    Menengah); else any beginnings, an own word's by at least three letters (``diskop``:
    DInas KOPerasi)."""

    @functools.cache
    def made(at: int, word: int) -> tuple[bool, bool]:
        """(can run[at:] be made from phrase[word:], reaching an own word by then)"""
        if at == len(run):
            return True, False
        best = (False, False)
        for w in range(word, len(phrase)):
            target = phrase[w]
            longest = 1 if initials else len(target)
            size = 0
            while size < longest and at + size < len(run) and run[at + size] == target[size]:
                size += 1
                rest, reached = made(at + size, w + 1)
                if rest:
                    strong = own[w] and (initials or size >= 3)
                    best = (True, best[1] or reached or strong)
                    if best[1]:
                        return best
        return best

    ok, reached = made(0, 0)
    return ok and reached


def signs(sub: Submission, kode_opd: str, directory: Directory, sender: str) -> Signs:
    named = directory.named(sub.name)
    return Signs(
        named,
        directory.sheet_owners(sub, kode_opd),
        sender,
        frozenset() if named else directory.shortened(sub.name),
    )


def attributed(kode_opd: str, found: Signs) -> str:
    """The OPD a file is counted for in the register: its sender's when known, else the one
    its name (in full, else shortened) or its sheet names alone, else its ``_meta`` claim."""
    if found.sender:
        return found.sender
    if len(found.name) == 1:
        return next(iter(found.name))
    if not found.name and len(found.shortened) == 1:
        return next(iter(found.shortened))
    if found.sheet:
        return found.sheet[0]
    return kode_opd


def check_identity(
    sub: Submission, kode_opd: str, found: Signs, directory: Directory
) -> tuple[str, list[Issue]]:
    """ERROR when a sign disagrees with the ``_meta`` claim. Returns the OPD the file is counted
    for (the claim, or the likely sender when they disagree) and the issues."""
    against = []
    if found.sender and found.sender != kode_opd:
        against.append(f"dikirim dari alamat surel {directory.label(found.sender)}")
    if found.name and kode_opd not in found.name and not directory.abbreviates(sub.name, kode_opd):
        names = ", ".join(directory.label(k) for k in sorted(found.name))
        against.append(f"nama berkasnya menyebut {names}")
    elif (
        not found.name
        and found.shortened
        and kode_opd not in found.shortened
        and not directory.abbreviates(sub.name, kode_opd)
    ):
        names = ", ".join(directory.label(k) for k in sorted(found.shortened))
        against.append(f"nama berkasnya menyebut (disingkat) {names}")
    if found.sheet:
        owners = ", ".join(directory.label(k) for k in found.sheet[:3])
        against.append(f"indikator di sheet Indikator adalah milik {owners}")
    if not against:
        return kode_opd, []
    counted = attributed(kode_opd, found) if against else kode_opd
    out = FileIssues(sub, counted)
    out.issue(
        "berkas.identitas",
        ERROR,
        f"Berkas ini mengaku milik {directory.label(kode_opd)} (sheet _meta), tetapi "
        f"{' dan '.join(against)}. Berkas tidak dipakai dan tidak menggantikan berkas OPD "
        "lain. Isi dan kirim templat OPD Anda sendiri, tanpa mengubah sheet _meta.",
        sheet=tpl.SHEET_META,
        cell=sub.meta_cells.get("kode_opd", ""),
        found="; ".join(
            p
            for p in (
                f"_meta: {kode_opd}",
                f"nama berkas: {', '.join(sorted(found.name or found.shortened))}"
                if found.name or found.shortened
                else "",
                f"indikator: {', '.join(found.sheet[:3])}" if found.sheet else "",
                f"pengirim: {found.sender}" if found.sender else "",
            )
            if p
        ),
        expected="OPD yang sama di _meta, nama berkas, indikator dan pengirim",
    )
    return counted, out.items
