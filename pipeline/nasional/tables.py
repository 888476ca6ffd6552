"""Typed columnar tables for analysts: one Parquet file per table, a ``kode_pemda`` column in
each, one Arrow type per column (never an object column holding numbers beside text).

Each Pemda's frame becomes an Arrow table where it was computed (:func:`to_arrow`); the parts
are spooled to disk as they arrive, and :class:`TableWriter` writes them in Pemda order with one
schema for all (:func:`common_schema`), so memory stays that of one part.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import fmt

ROW_GROUP = 65_536
# Spec columns named after a year (``target_2024``, ``pagu_2024``) differ between Pemda; their
# reporting-year values are in ``target_teks`` and ``pagu``.
_YEAR_COLUMN = re.compile(r"^(target|pagu)_\d{4}$")
_DROP = {"kode_opd_list"}  # a tuple per row; ``kode_opd`` says which OPD reported the row
# Counts and positions that pandas holds as float once a row has none (an indicator no OPD
# reported has no ``baris``): written as int64 with nulls, as an analyst would type them.
_WHOLE = {"baris", "ukuran", "tahun", "tahun_target_akhir", "peringkat"}
# Times a file was saved (as the workbook says), received and sent (as the mail server says):
# ISO text in the pipeline, a UTC timestamp for analysts. A save time that is no time at all
# is null here; the WARNING of ``berkas.waktu_simpan`` in ``validasi`` keeps what it said.
_WHEN = {"dimodifikasi", "diterima", "dikirim"}
WHEN_TYPE = pa.timestamp("ms", tz="UTC")  # Parquet keeps no coarser unit


def to_arrow(df: pd.DataFrame, front: dict[str, Any]) -> pa.Table:
    """``df`` with the ``front`` columns (e.g. ``kode_pemda``) first, every column typed."""
    arrays: dict[str, pa.Array] = {}
    for key, value in front.items():
        arrays[key] = _constant(value, len(df))
    # the columns in order, each as the Series ``items`` gives (looking each up by its name
    # costs about twice as much)
    for c, series in df.items():
        if c in arrays or c in _DROP or _YEAR_COLUMN.match(str(c)):
            continue
        kind = _kind_of_dtype(series.dtype)
        if c in _WHEN:
            arrays[str(c)] = pa.array([_moment(v) for v in series.tolist()], WHEN_TYPE)
        elif kind == "float":
            values = series.to_numpy(dtype="float64")
            arrays[str(c)] = pa.array(values, pa.float64(), from_pandas=True)
            if c in _WHOLE and _whole(values):
                arrays[str(c)] = arrays[str(c)].cast(pa.int64())
        elif kind in ("int", "bool") and not series.isna().any():
            arrays[str(c)] = pa.array(series.to_numpy(), _ARROW[kind])
        elif kind == "str":  # a text dtype holds only text (or missing: null)
            # through a plain array: pandas' own conversion costs about three times as much
            arrays[str(c)] = pa.array(series.to_numpy(dtype=object), pa.string(), from_pandas=True)
        else:  # text, object and nullable columns: look at the values
            arrays[str(c)] = _typed(series.tolist(), kind)
    return pa.table(arrays)


_ARROW = {"int": pa.int64(), "bool": pa.bool_()}


def _moment(value: object) -> dt.datetime | None:
    """ISO text as an aware UTC time to the second (no zone: UTC); None when it is none."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    when = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).replace(microsecond=0)


def _whole(values: Any) -> bool:
    """Every value present is a whole number an int64 holds exactly."""
    present = values[~np.isnan(values)]
    return bool(np.all((present == np.floor(present)) & (np.abs(present) < 2**53)))


def _constant(value: object, length: int) -> pa.Array:
    """:func:`_typed` of ``length`` copies of one value, typed from the value once."""
    if length == 0:
        return _typed([])
    return pa.repeat(_typed([value])[0], length)


@functools.lru_cache(maxsize=256)
def _kind_of_dtype(dtype: Any) -> str:
    """What a column holds by its pandas dtype alone (for a column with no value at all);
    remembered per dtype (a few dtypes for every column of every table: pandas' checks of a
    dtype cost microseconds each)."""
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if isinstance(dtype, pd.StringDtype):
        return "str"
    return ""


def _missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def _typed(values: list[Any], empty_kind: str = "") -> pa.Array:
    """One Arrow type for a column: bool, int64, float64 or string. A column without any value
    takes its type from ``empty_kind`` (the pandas dtype), else null (settled across parts by
    :func:`common_schema`)."""
    missing = [_missing(v) for v in values]  # once per value, for every pass below
    kinds = {
        _KINDS.get(type(v)) or _kind(v) for v, m in zip(values, missing, strict=True) if not m
    }
    if not kinds:
        if not empty_kind:
            return pa.nulls(len(values))
        kinds = {empty_kind}
    if kinds == {"bool"}:
        typ: pa.DataType = pa.bool_()
    elif kinds == {"int"}:
        typ = pa.int64()
    elif kinds <= {"int", "float"}:
        typ = pa.float64()
        values = [None if m else float(v) for v, m in zip(values, missing, strict=True)]
        return pa.array(values, type=typ)
    elif kinds == {"str"}:
        typ = pa.string()
    else:  # mixed: numbers become text the one Indonesian way, never a mixed column
        typ = pa.string()
        shown: dict[tuple[type, object], str] = {}  # a target column repeats its numbers
        values = [
            v
            if m or isinstance(v, str)
            else _number_shown(v)
            if type(v) in _NUMBERS
            else shown.get((type(v), v)) or shown.setdefault((type(v), v), fmt.nilai(v))
            for v, m in zip(values, missing, strict=True)
        ]
    return pa.array([None if m else v for v, m in zip(values, missing, strict=True)], type=typ)


_NUMBERS = (int, float)


@functools.lru_cache(maxsize=65_536, typed=True)
def _number_shown(value: float) -> str:
    """``fmt.nilai`` of a Python int or float, remembered across columns and Pemda: the target
    columns of one Pemda after another repeat most of their numbers. Equal numbers read the
    same (0 and -0 both ``0``); an int and a float are kept apart (``typed``: ``1`` and ``1.0``
    are one key otherwise)."""
    return fmt.nilai(value)


# :func:`_kind` of a value of exactly these types, without its checks
_KINDS: dict[type, str] = {bool: "bool", int: "int", float: "float", str: "str"}


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if hasattr(value, "dtype") and hasattr(value, "item"):  # numpy scalar
        return _kind(value.item())
    return "str" if isinstance(value, str) else "other"


def common_schema(schemas: Iterable[pa.Schema], declared: pa.Schema | None = None) -> pa.Schema:
    """One schema for all parts: the ``declared`` columns first, in their order and with their
    types (:data:`COLUMNS`), then any other column in order of first appearance.

    A column no part gives a value in has its declared type (text when it has none); a declared
    number column whole in some parts is a number in all. Otherwise the parts decide: a column
    that is int in one part and float in another is float; text beside anything else is text.
    """
    wanted = {f.name: f.type for f in declared} if declared is not None else {}
    seen: dict[str, set[pa.DataType]] = {name: set() for name in wanted}
    for schema in schemas:
        for field in schema:
            seen.setdefault(field.name, set())
            if not pa.types.is_null(field.type):
                seen[field.name].add(field.type)
    fields = []
    for name, types in seen.items():
        want = wanted.get(name)
        if want is not None and (
            types <= {want} or (want == pa.float64() and types <= {pa.int64(), pa.float64()})
        ):
            typ: pa.DataType = want
        elif not types:
            typ = pa.string()
        elif len(types) == 1:
            typ = next(iter(types))
        elif types <= {pa.int64(), pa.float64()}:
            typ = pa.float64()
        else:
            typ = pa.string()
        fields.append(pa.field(name, typ))
    return pa.schema(fields)


def with_pandas_types(schema: pa.Schema) -> pa.Schema:
    """``schema`` telling pandas to read whole numbers and yes/no as its nullable ``Int64`` and
    ``boolean``: without it ``pd.read_parquet`` makes ``baris`` float (1203.0) and a yes/no
    column with an empty cell an object column, as soon as one row has none. Other readers
    (DuckDB, Arrow) ignore it."""
    nullable = {pa.int64(): ("int64", "Int64"), pa.bool_(): ("bool", "boolean")}
    columns = [
        {
            "name": field.name,
            "field_name": field.name,
            "pandas_type": nullable[field.type][0],
            "numpy_type": nullable[field.type][1],
            "metadata": None,
        }
        for field in schema
        if field.type in nullable
    ]
    meta = {"index_columns": [], "column_indexes": [], "columns": columns}
    return schema.with_metadata({b"pandas": json.dumps(meta).encode()})


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns and types (missing columns are null)."""
    arrays = []
    names = set(table.column_names)
    for field in schema:
        if field.name not in names:
            arrays.append(pa.nulls(table.num_rows, type=field.type))
            continue
        column = table.column(field.name)
        if column.type == field.type:
            arrays.append(column)
        elif pa.types.is_string(field.type) and not pa.types.is_null(column.type):
            arrays.append(
                pa.array(
                    [None if v is None else fmt.nilai(v) for v in column.to_pylist()], pa.string()
                )
            )
        else:
            arrays.append(column.cast(field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


# The columns every part of a table starts with (:func:`to_arrow`'s ``front``), ``folder`` in
# ``validasi`` only.
KEY_COLUMNS = pa.schema(
    [("kode_pemda", pa.string()), ("kode_provinsi", pa.string()), ("tahun", pa.int64())]
)
KEY_COLUMNS_VALIDASI = KEY_COLUMNS.append(pa.field("folder", pa.string()))


def key_values(kode_pemda: str, kode_provinsi: str, tahun: int | None) -> dict[str, Any]:
    """One Pemda's :data:`KEY_COLUMNS`, as :func:`to_arrow`'s ``front``."""
    return dict(zip(KEY_COLUMNS.names, (kode_pemda, kode_provinsi, tahun), strict=True))


_TYPES = {"t": pa.string(), "f": pa.float64(), "i": pa.int64(), "b": pa.bool_(), "ts": WHEN_TYPE}


def _declare(keys: pa.Schema, columns: str) -> pa.Schema:
    """``keys``, then ``columns``: ``name:kind`` with kind t (text), f (number), i (integer),
    b (yes/no) or ts (UTC time)."""
    pairs = (column.split(":") for column in columns.split())
    return pa.schema([*keys, *(pa.field(name, _TYPES[kind]) for name, kind in pairs)])


# Each table's columns and their types, whatever the Pemda of a run, in this order (``catatan``
# is a spec's optional note on an indicator or a program, empty where its spec has none). A
# table no Pemda gave a row to (every spec refused) has them all and no row; a column no Pemda
# filled this year (no quarterly values) keeps its type. So an analyst's query finds no row or
# an empty value, instead of failing on a missing column or on a number column turned text.
# The tests check that a run's tables have exactly these.
COLUMNS = {
    "indikator": _declare(
        KEY_COLUMNS,
        """kode_indikator:t kode_sasaran:t uraian_indikator:t satuan:t polaritas:t tipe_nilai:t
        tangga:t agregasi_tw:t bobot:f batas_wajar_min:f batas_wajar_max:f catatan:t target_teks:t
        target_nilai:f target_bawah:f target_atas:f target_tahun_depan:t target_akhir:t
        target_akhir_nilai:f target_akhir_bawah:f target_akhir_atas:f target_akhir_teks:t
        tahun_target_akhir:i catatan_target_akhir:t berkas:t sheet:t baris:i realisasi_tw1:f
        realisasi_tw2:f realisasi_tw3:f realisasi_tw4:f realisasi_tahunan:f realisasi_teks:t
        realisasi_tw1_teks:t realisasi_tw2_teks:t realisasi_tw3_teks:t realisasi_tw4_teks:t
        realisasi_tidak_valid:b realisasi_tidak_tersedia:b capaian_opd:f faktor_pendorong:t
        faktor_penghambat:t tindak_lanjut:t sumber_data:t sel_realisasi_tw1:t
        sel_realisasi_tw2:t sel_realisasi_tw3:t sel_realisasi_tw4:t sel_realisasi_tahunan:t
        sel_capaian_opd:t sel_faktor_penghambat:t kode_opd:t kode_tujuan:t kode_misi:t
        realisasi:f sumber_realisasi:t capaian_mentah:f capaian:f dibatasi:b rumus:t status:t
        keterangan:t predikat:t progres_rpjmd:f realisasi_tahun_lalu:f capaian_tahun_lalu:f
        perubahan_capaian:f""",
    ),
    "anggaran": _declare(
        KEY_COLUMNS,
        """kode_program:t uraian_program:t kode_opd:t kode_sasaran:t pagu:f pagu_renstra:f
        realisasi_rp_lalu:f urusan:t catatan:t berkas:t sheet:t baris:i realisasi_anggaran:f
        realisasi_anggaran_ditolak:b keterangan:t sel_realisasi_anggaran:t serapan:f""",
    ),
    "validasi": _declare(
        KEY_COLUMNS_VALIDASI,
        """rule:t severity:t message:t file:t sheet:t cell:t kode_opd:t kode_indikator:t found:t
        expected:t""",
    ),
    "berkas": _declare(
        KEY_COLUMNS,
        """berkas:t ukuran:i sha256:t jenis:t kode_opd:t dimodifikasi:ts status:t alasan:t
        pengirim:t diterima:ts dikirim:ts""",
    ),
}


class Spool:
    """Parts of one table kept on disk (Arrow IPC) until every Pemda is done."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.schemas: dict[int, pa.Schema] = {}
        self.declared = COLUMNS.get(name)

    def add(self, order: int, table: pa.Table) -> None:
        path = self.folder / f"{order:08d}.arrow"
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        self.schemas[order] = table.schema

    def write_parquet(self, target: Path) -> int:
        """All parts in Pemda order into one Parquet file; returns the number of rows."""
        parts = (self.schemas[o] for o in sorted(self.schemas))
        schema = with_pandas_types(common_schema(parts, self.declared))
        rows = 0
        pending: list[pa.Table] = []
        pending_rows = 0
        with pq.ParquetWriter(str(target), schema, compression="zstd") as writer:
            for order in sorted(self.schemas):
                with pa.OSFile(str(self.folder / f"{order:08d}.arrow")) as source:
                    table = conform(pa.ipc.open_file(source).read_all(), schema)
                pending.append(table)
                pending_rows += table.num_rows
                rows += table.num_rows
                while pending_rows >= ROW_GROUP:
                    whole = pa.concat_tables(pending)
                    writer.write_table(whole.slice(0, ROW_GROUP), row_group_size=ROW_GROUP)
                    rest = whole.slice(ROW_GROUP)
                    pending, pending_rows = [rest], rest.num_rows
            if pending_rows or rows == 0:
                writer.write_table(
                    pa.concat_tables(pending) if pending else schema.empty_table(),
                    row_group_size=ROW_GROUP,
                )
        return rows
