"""great-expectations suites stored as JSON in ``expectations/``, run in an ephemeral context.

A suite's expectations carry their own ``meta``: ``rule``, ``severity``, ``kolom`` (the column
whose cell is pointed at), optionally ``kolom_batas`` (the column holding the expected value) and
``pesan``, the Bahasa Indonesia message with ``{found}``, ``{expected}`` and any column of the
validated frame as placeholders. Each failing row becomes one :class:`~pipeline.issues.Issue`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import fmt
from pipeline.issues import Issue

EXPECTATIONS_DIR = Path(__file__).resolve().parents[1] / "expectations"


def load_suite(name: str, folder: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    """An expectation suite stored as JSON."""
    data: dict[str, Any] = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return data


def run_suite(df: pd.DataFrame, suite: dict[str, Any]) -> list[dict[str, Any]]:
    """Validate ``df`` once with a suite; one record per failing row (``meta`` + ``index``).

    ``index`` is the row position in ``df``. Empty strings are treated as missing. The import of
    great-expectations is deferred to the first call: it costs seconds.
    """
    if df.empty:
        return []
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx  # noqa: PLC0415
    from great_expectations.data_context.types.base import (  # noqa: PLC0415
        ProgressBarsConfig,
    )

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    frame = df.reset_index(drop=True).replace({"": None})
    batch = (
        context.data_sources.add_pandas(f"ds_{suite['name']}")
        .add_dataframe_asset(suite["name"])
        .add_batch_definition_whole_dataframe("semua")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(
        gx.ExpectationSuite(**suite), result_format={"result_format": "COMPLETE"}
    )
    failures = []
    for res in result.results:
        if res.success:
            continue
        config = res.expectation_config
        meta = dict((config.meta if config is not None else None) or {})
        for index in res.result.get("unexpected_index_list") or []:
            failures.append({**meta, "index": int(index)})
    return failures


def _show_column(name: str, value: object) -> str:
    return fmt.nilai(value, 2 if "capaian" in name else None)


class _Row(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


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
        found = _show_column(column, row.get(column))
        bound = f.get("kolom_batas")
        expected = _show_column(bound, row.get(bound)) if bound else str(f.get("expected", ""))
        values = _Row({str(k): _show_column(str(k), v) for k, v in row.items()})
        message = str(f["pesan"]).format_map(
            _Row({**values, "found": found, "expected": expected})
        )
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
