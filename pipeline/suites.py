"""great-expectations suites stored as JSON in ``expectations/``, run in an ephemeral context.

A suite's expectations carry their own ``meta``: ``rule``, ``severity``, ``kolom`` (the column
whose cell is pointed at), optionally ``kolom_batas`` (the column holding the expected value) and
``pesan``, the Bahasa Indonesia message with ``{found}``, ``{expected}`` and any column of the
validated frame as placeholders. Each failing row becomes one :class:`~pipeline.issues.Issue`.

Importing great-expectations is most of a small run's time, so a process pays it once: one
ephemeral context, each suite built once (with its data source and batch definition) and reused
for every later frame. ``scipy.stats`` and ``altair``, which great-expectations imports only for
its distribution (KL-divergence) expectation and its charts, are deferred: they load on first
use, which our suites never make. Batches are not fingerprinted (a hash of the whole frame that
only labels the batch).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import importlib.util
import json
import math
import numbers
import os
import re
import string
import sys
import threading
import types
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline import fmt
from pipeline.issues import Issue

EXPECTATIONS_DIR = Path(__file__).resolve().parents[1] / "expectations"


def load_suite(name: str, folder: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    """An expectation suite stored as JSON."""
    data: dict[str, Any] = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return data


@functools.cache
def rule_range(suite: str, rule: str) -> tuple[float, float]:
    """The ``min_value`` and ``max_value`` of a stored suite's rule (e.g. the realisation,
    in percent of the target, that ``nilai.lonjakan`` lets pass)."""
    found = next(e for e in load_suite(suite)["expectations"] if e["meta"]["rule"] == rule)
    return float(found["kwargs"]["min_value"]), float(found["kwargs"]["max_value"])


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is used, then loads the real one."""

    def __init__(self, name: str, spec: Any) -> None:
        super().__init__(name)
        self.__spec__ = spec
        self.__loader__ = spec.loader
        self._real: types.ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:  # only for what the stand-in does not have
        return getattr(self._load(), attr)

    def _load(self) -> types.ModuleType:
        with _LOCK:
            if self._real is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                self._real = importlib.import_module(self.__name__)
                parent, _, child = self.__name__.rpartition(".")
                if parent and parent in sys.modules:
                    setattr(sys.modules[parent], child, self._real)
            return self._real


_LOCK = threading.RLock()
_DEFERRED = ("scipy.stats", "altair")


def _defer(name: str) -> None:
    """Register ``name`` as a module that loads on first use (nothing if already imported)."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)  # imports the parent package (cheap), not name
    except (ImportError, ValueError):
        return
    if spec is None or spec.loader is None:
        return
    stand_in = _Deferred(name, spec)
    sys.modules[name] = stand_in
    parent, _, child = name.rpartition(".")
    if parent and parent in sys.modules:
        setattr(sys.modules[parent], child, stand_in)


class _ConfigurationMemo:
    """Each expectation's configuration built once per validation, not at every reading.

    great-expectations rebuilds :attr:`Expectation.configuration` from the expectation's
    pydantic fields each time it is read (a full ``dict()`` of the model, a class-name
    conversion by regular expression, a new ``ExpectationConfiguration``), and one validation
    reads it about 150 times per expectation while it works out which metrics to compute: for
    a batch of Pemda that was about half of the suites' time, whatever the number of rows.
    While :meth:`active` (one ``validate`` call of ours), the first reading of each expectation
    object is kept and handed out again. The objects read are the ones great-expectations
    makes for that call from the suite and does not change; the memo is emptied when the call
    ends, so nothing outlives it, and outside our calls the property is the original. The
    results are the same (``tests/test_suites.py`` compares them with the memo and without).
    """

    def __init__(self) -> None:
        self._local = threading.local()  # a memo per thread: validations never share one
        self.original: Callable[[Any], Any] | None = None

    def install(self) -> None:
        """Put the memo in front of ``Expectation.configuration`` (once per process)."""
        from great_expectations.expectations.expectation import (  # noqa: PLC0415
            Expectation,
        )

        prop = Expectation.__dict__.get("configuration")
        if self.original is not None or not isinstance(prop, property) or prop.fget is None:
            return  # already in place, or a great-expectations that is built otherwise
        self.original = prop.fget
        Expectation.configuration = property(self._read, doc=prop.__doc__)  # type: ignore[method-assign,assignment]

    def _read(self, expectation: Any) -> Any:
        original = self.original
        assert original is not None
        memo: dict[int, tuple[Any, Any]] | None = getattr(self._local, "memo", None)
        if memo is None:
            return original(expectation)
        hit = memo.get(id(expectation))
        if hit is None:  # the object is kept with it, so no other object takes its id meanwhile
            hit = memo[id(expectation)] = (expectation, original(expectation))
        return hit[1]

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Keep each expectation's configuration for the length of the block."""
        if getattr(self._local, "memo", None) is not None:  # nested: the outer block keeps
            yield
            return
        self._local.memo = {}
        try:
            yield
        finally:
            self._local.memo = None


_CONFIGURATIONS = _ConfigurationMemo()


class _PlainIds:
    """great-expectations' ids of metric settings, with plain values converted directly.

    Every metric a validation computes is named by ``IDDict.to_id``: its settings made
    JSON-ready by ``convert_to_json_serializable``, dumped and hashed, a few hundred times per
    expectation per validation. That function tries a long list of types in turn; a ``None``
    (most settings have some) reaches its end only after four ``numpy.issubdtype`` calls, and
    it was about a fifth of the suites' time. Installed in front of the name ``to_id`` uses,
    this converts the plain values the same way (text, whole numbers and truth values as
    they are, a float as it is or ``None`` for NaN, a dict with text keys, a list or tuple as
    a list) and hands anything else to the original: the same JSON, so the same ids
    (``tests/test_suites.py`` compares them).
    """

    def __init__(self) -> None:
        self.original: Callable[[Any], Any] | None = None
        self._dicts: tuple[type, ...] = (dict,)

    def install(self) -> None:
        """Put the conversion in front of ``IDDict.to_id``'s (once per process)."""
        from great_expectations.core import id_dict  # noqa: PLC0415

        original = getattr(id_dict, "convert_to_json_serializable", None)
        if self.original is not None or not callable(original):
            return  # already in place, or a great-expectations that is built otherwise
        self.original = original
        self._dicts = (dict, id_dict.IDDict)
        id_dict.convert_to_json_serializable = self.convert

    def convert(self, data: Any) -> Any:
        kind = type(data)
        if kind is str or kind is int or kind is bool or data is None:
            return data
        if kind is float:
            return None if math.isnan(data) else data
        if kind in self._dicts:
            return {str(key): self.convert(value) for key, value in data.items()}
        if kind is list or kind is tuple:
            return [self.convert(value) for value in data]
        assert self.original is not None
        return self.original(data)


_PLAIN_IDS = _PlainIds()


class _Gx:
    """The process's great-expectations: the module, one context, batch definitions, suites."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        if "great_expectations" not in sys.modules:
            for name in _DEFERRED:
                _defer(name)
        import great_expectations as gx  # noqa: PLC0415
        from great_expectations.data_context.types.base import (  # noqa: PLC0415
            ProgressBarsConfig,
        )
        from great_expectations.execution_engine import (  # noqa: PLC0415
            pandas_execution_engine,
        )

        # Each batch would be hashed whole for a fingerprint that only labels the batch (GX
        # itself skips it above 1 GB); at 60,000 rows that costs about as much as the checks.
        pandas_execution_engine.HASH_THRESHOLD = 0
        _CONFIGURATIONS.install()
        _PLAIN_IDS.install()

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.suites: dict[str, tuple[Any, Any]] = {}

    def prepared(self, suite: dict[str, Any]) -> tuple[Any, Any]:
        """The batch definition and the ExpectationSuite of ``suite``, built on first use."""
        text = json.dumps(suite, sort_keys=True, ensure_ascii=False)
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        if key not in self.suites:
            name = f"{suite['name']}_{key}"
            definition = (
                self.context.data_sources.add_pandas(f"ds_{name}")
                .add_dataframe_asset(name)
                .add_batch_definition_whole_dataframe("semua")
            )
            self.suites[key] = (definition, self.gx.ExpectationSuite(**json.loads(text)))
        return self.suites[key]


_GX: _Gx | None = None


def great_expectations() -> _Gx:
    """The process's great-expectations, imported and set up on the first call (seconds)."""
    global _GX  # noqa: PLW0603  # one per process, by design
    with _LOCK:
        if _GX is None:
            _GX = _Gx()
        return _GX


GROUP = "_kelompok"  # which frame of a batch a row came from
# Every failing row's position (``unexpected_index_list``) is all a validation is read for; the
# query text great-expectations would also build from those positions is not asked for.
RESULT_FORMAT = {"result_format": "COMPLETE", "return_unexpected_index_query": False}


def run_suite(df: pd.DataFrame, suite: dict[str, Any]) -> list[dict[str, Any]]:
    """Validate ``df`` once with a suite; one record per failing row (``meta`` + ``index``).

    ``index`` is the row position in ``df``. Empty strings are treated as missing. The import of
    great-expectations is deferred to the first call: it costs seconds.
    """
    return run_suite_many([df], suite)[0]


def run_suite_many(
    frames: list[pd.DataFrame], suite: dict[str, Any]
) -> list[list[dict[str, Any]]]:
    """Validate many frames (e.g. one per Pemda) in one great-expectations pass.

    The frames are stacked with a :data:`GROUP` column; a uniqueness rule holds within each
    frame (it becomes unique per ``(GROUP, column)``); every failing row is mapped back to its
    frame and its position there. Returns one failure list per frame, as :func:`run_suite` would
    have for that frame alone.
    """
    out: list[list[dict[str, Any]]] = [[] for _ in frames]
    parts = [(i, f) for i, f in enumerate(frames) if not f.empty]
    if not parts:
        return out
    definition, expectation_suite = great_expectations().prepared(_per_group(suite))
    sizes = [len(f) for _, f in parts]
    frame = _stack([f for _, f in parts]).replace({"": None})
    frame[GROUP] = np.repeat(np.arange(len(parts)), sizes)
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    with _CONFIGURATIONS.active():
        result = batch.validate(expectation_suite, result_format=RESULT_FORMAT)
    starts = np.cumsum([0, *sizes])
    for res in result.results:
        if res.success:
            continue
        config = res.expectation_config
        meta = dict((config.meta if config is not None else None) or {})
        for index in res.result.get("unexpected_index_list") or []:
            part = int(np.searchsorted(starts, int(index), side="right")) - 1
            out[parts[part][0]].append({**meta, "index": int(index) - int(starts[part])})
    return out


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One frame from many, its text columns rebuilt in one piece.

    A concatenation of many small frames leaves text columns in as many chunks, which makes
    every later string operation (and great-expectations) several times slower.
    """
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    frame = pd.concat(frames, ignore_index=True)
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.StringDtype):
            frame[column] = frame[column].astype(object).astype(dtype)
    return frame


def _per_group(suite: dict[str, Any]) -> dict[str, Any]:
    """The suite with each uniqueness rule made to hold within each frame of a batch."""
    expectations = []
    for original in suite["expectations"]:
        exp = original
        if exp["type"] == "expect_column_values_to_be_unique":
            kwargs = {k: v for k, v in exp["kwargs"].items() if k != "column"}
            exp = {
                **original,
                "type": "expect_compound_columns_to_be_unique",
                "kwargs": {
                    **kwargs,
                    "column_list": [GROUP, original["kwargs"]["column"]],
                    "ignore_row_if": "any_value_is_missing",
                },
            }
        expectations.append(exp)
    return {**suite, "expectations": expectations}


_RUPIAH = ("realisasi_anggaran", "pagu")  # amounts: whole Rupiah, or with two sen digits


def _rupiah_places(row: dict[str, object] | pd.Series) -> int:
    """The decimals of a row's amounts in a message: 2 when any has sen, so that
    'Rp 2.602.006.782,50 melebihi pagu Rp 2.602.006.782,00' reads as two amounts (an amount
    typed with more decimals keeps them: 794.725,651 typed in thousands is said as typed)."""
    return fmt.desimal_rupiah([row.get(c) for c in _RUPIAH])


def _show_column(name: str, value: object, decimals: int = 2, rupiah: int | None = None) -> str:
    """A column value in a message: percents and ratios with ``decimals`` decimals (the
    spec's ``desimal_tampilan`` where the frame carries it), amounts with ``rupiah``."""
    if "faktor" in name:
        return fmt.nilai(value, 1)
    if name == "serapan_persen" and isinstance(value, float):  # a share far below 1 %
        if 0 < abs(value) < 1 and math.isfinite(value):  # two digits that count: 0,21; 0,000013
            return fmt.angka_ringkas(value, min(6, 1 - math.floor(math.log10(abs(value)))))
        return fmt.angka_ringkas(value, decimals)
    if name in _RUPIAH and rupiah is not None and isinstance(value, int | float):
        return fmt.angka(float(value), max(rupiah, fmt.desimal(float(value))))
    return fmt.nilai(value, decimals if "capaian" in name or "rasio" in name else None)


def _decimals_of(row: dict[str, object] | pd.Series) -> int:
    """The decimals a row's messages show percents with (its ``desimal_tampilan``, else 2)."""
    value = row.get("desimal_tampilan")
    # a frame's column gives numpy integers, which are no int
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value):
        return int(float(value))
    return 2


def message_fields(pesan: str) -> set[str]:
    """The ``{field}`` placeholders of a message template."""
    return {name for _, name, _, _ in string.Formatter().parse(pesan) if name is not None}


def check_message(pesan: str, fields: Iterable[str], rule: str = "") -> None:
    """Raise when a message template names a field that the frame does not have.

    Every message is filled from a checked set of fields: the columns of the validated frame
    plus ``found`` and ``expected``. A placeholder outside that set is a bug in the suite, not a
    hole to print (``{rasio}``).
    """
    unknown = message_fields(pesan) - {*fields, "found", "expected"}
    if unknown:
        raise ValueError(f"pesan aturan {rule} memakai kolom yang tidak ada: {sorted(unknown)}")


def render_message(pesan: str, row: dict[str, object], found: str, expected: str) -> str:
    """A message template filled from one row (values shown the Indonesian way)."""
    check_message(pesan, row)
    places, rupiah = _decimals_of(row), _rupiah_places(row)
    values = {str(k): _show_column(str(k), v, places, rupiah) for k, v in row.items()}
    text = pesan.format_map({**values, "found": found, "expected": expected})
    return _PERCENT_APART.sub(r"\1%", text)  # "{target} {satuan}" of a % unit: 82,5%


_PERCENT_APART = re.compile(r"(\d) %")


def failures_to_issues(
    df: pd.DataFrame,
    failures: list[dict[str, Any]],
    locate: Callable[[pd.Series, str], dict[str, str]],
) -> list[Issue]:
    """Turn failing rows into Issues; ``locate(row, kolom)`` gives file/sheet/cell/codes."""
    issues = []
    for f in failures:
        row = df.iloc[f["index"]]
        column = str(f["kolom"])
        places, rupiah = _decimals_of(row), _rupiah_places(row)
        found = _show_column(column, row.get(column), places, rupiah)
        bound = f.get("kolom_batas")
        expected = (
            _show_column(bound, row.get(bound), places, rupiah)
            if bound
            else str(f.get("expected", ""))
        )
        message = render_message(str(f["pesan"]), row.to_dict(), found, expected)
        issues.append(
            Issue(
                rule=str(f["rule"]),
                severity=str(f["severity"]),
                message=message,
                found=found,
                expected=expected,
                **locate(row, column),
            )
        )
    return issues
