"""SAKIP / LKjIP consolidation pipeline.

Master spec → templates → ingest → validate → join targets → score → workbook and charts.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

__version__ = "0.1.0"


def _python_strings(pandas: ModuleType) -> None:
    """Text columns keep pandas' Python string storage even though pyarrow is installed (for
    the national Parquet tables): the pipeline reads many small frames value by value, where
    pyarrow-backed strings measured 30–40 % slower, and its results were settled on this
    storage."""
    pandas.set_option("mode.string_storage", "python")


class _WhenPandasLoads(importlib.abc.MetaPathFinder):
    """Sets :func:`_python_strings` as soon as pandas is imported, by anyone, in this process.

    Importing the package does not import pandas itself: the processes that only read the
    input files (forked from a server that loads just the reader) never need it, and loading it
    there cost each of them about 0,4 s before the first file and tens of MB.
    """

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "pandas":
            return None
        sys.meta_path.remove(self)  # once; the other finders find pandas itself
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        load = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            load(module)
            _python_strings(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if "pandas" in sys.modules:
    _python_strings(sys.modules["pandas"])
elif not any(isinstance(f, _WhenPandasLoads) for f in sys.meta_path):
    sys.meta_path.insert(0, _WhenPandasLoads())
