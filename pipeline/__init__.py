"""SAKIP / LKjIP consolidation pipeline.

Master spec → templates → ingest → validate → join targets → score → workbook and charts.
"""

import pandas as _pd

# Text columns keep pandas' Python string storage even though pyarrow is installed (for the
# national Parquet tables): the pipeline reads many small frames value by value, where
# pyarrow-backed strings measured 30–40 % slower, and its results were settled on this storage.
_pd.set_option("mode.string_storage", "python")

__version__ = "0.1.0"
