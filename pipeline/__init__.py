"""SAKIP / LKjIP consolidation pipeline.

Master spec → templates → ingest → validate → join targets → score → workbook and charts.
"""

__version__ = "0.1.0"
