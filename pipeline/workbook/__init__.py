"""The consolidated workbook leaders read (xlsxwriter)."""

from pipeline.workbook.columns import INDIKATOR_COLS
from pipeline.workbook.ringkasan import RunInfo
from pipeline.workbook.writer import read_previous_report, write_workbook

__all__ = ["INDIKATOR_COLS", "RunInfo", "read_previous_report", "write_workbook"]
