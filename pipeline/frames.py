"""Small helpers over pandas frames that the writers call many times."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionDtype, take
from pandas.core.dtypes.cast import maybe_box_native  # type: ignore[attr-defined]  # what to_dict boxes with


def records(frame: pd.DataFrame) -> list[dict[Any, Any]]:
    """``frame.to_dict("records")``: the same keys, values and types, faster.

    ``to_dict`` builds its rows through ``itertuples``, a Series per column, which on the small
    frames the writers turn into rows costs about a millisecond a call. Here the frame becomes
    one object array (numbers as Python numbers, dates as ``Timestamp``), and the values of
    object and extension columns are boxed as ``to_dict`` boxes them (``pd.NA`` becomes
    ``None``, a NumPy scalar a Python one).
    """
    if frame.columns.has_duplicates:  # to_dict's own rules for that case
        return frame.to_dict("records")
    columns = list(frame.columns)
    boxed = [
        i
        for i, dtype in enumerate(frame.dtypes)
        if dtype == np.dtype(object) or isinstance(dtype, ExtensionDtype)
    ]
    rows = frame.to_numpy(dtype=object).tolist()
    for row in rows if boxed else ():
        for i in boxed:
            row[i] = maybe_box_native(row[i])
    return [dict(zip(columns, row, strict=True)) for row in rows]


# Expectation types whose only column arguments are ``column``, ``column_A``/``column_B`` and
# ``column_list`` (with an optional ``row_condition``); any other type may read every column.
_COLUMN_EXPECTATIONS = ("expect_column_", "expect_compound_columns_", "expect_multicolumn_")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def suite_view(frame: pd.DataFrame, suite: dict[str, Any]) -> pd.DataFrame:
    """``frame`` with only the columns a great-expectations suite reads, in their order.

    Great-expectations copies and filters the whole frame for every rule, so a frame of
    forty columns of which a suite reads nine costs it several times more; the failing rows
    (positions) are the same. The columns are those the rules name (``column``, ``column_A``,
    ``column_B``, ``column_list``) and the names in their ``row_condition``. The whole frame is
    given back when a rule may read any column (a table rule) or names a column the frame
    lacks (the suite then fails as it did).
    """
    named: set[str] = set()
    mentioned: set[str] = set()
    for expectation in suite["expectations"]:
        if not str(expectation["type"]).startswith(_COLUMN_EXPECTATIONS):
            return frame
        kwargs = expectation.get("kwargs", {})
        named.update(str(kwargs[k]) for k in ("column", "column_A", "column_B") if k in kwargs)
        named.update(str(c) for c in kwargs.get("column_list", ()))
        mentioned.update(_NAME.findall(str(kwargs.get("row_condition") or "")))
    if frame.columns.has_duplicates or not named <= set(frame.columns):
        return frame
    return frame[[c for c in frame.columns if c in named or c in mentioned]]


def looked_up(
    table: pd.DataFrame, key: str, codes: pd.Series, columns: list[str]
) -> dict[str, pd.Series]:
    """``codes.map(table.set_index(key)[column])`` for each of ``columns``: the same Series
    (missing where a code is not in ``table``), with the codes looked up once for them all
    instead of once per column. ``table[key]`` must be unique, as ``map`` requires."""
    return taken(table, pd.Index(table[key]).get_indexer(codes), codes, columns)


def taken(
    table: pd.DataFrame, at: np.ndarray, codes: pd.Series, columns: list[str]
) -> dict[str, pd.Series]:
    """:func:`looked_up` with the codes' row positions in ``table`` already found (``at``; -1:
    missing), e.g. each code in its own Pemda's rows of a stacked table."""
    return {
        column: pd.Series(
            take(table[column].array, at, allow_fill=True), index=codes.index, name=codes.name
        )
        for column in columns
    }
