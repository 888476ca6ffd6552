"""SAKIP / LKjIP consolidation pipeline: master spec → templates → ingest → validate → score → report."""

__version__ = "0.1.0"
