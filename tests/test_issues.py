"""The issue list: each issue once, in the order every output shows it."""

from __future__ import annotations

from pipeline.issues import ISSUE_COLUMNS, Issue, issues_frame


def _issue(opd: str, severity: str, file: str, cell: str, rule: str = "r") -> Issue:
    return Issue(
        rule=rule, severity=severity, message="m", file=file, sheet="S", cell=cell, kode_opd=opd
    )


def test_issues_are_kept_once_and_sorted_by_opd_severity_file_and_row_number() -> None:
    found = [
        _issue("B", "INFO", "b.xlsx", "D2"),
        _issue("A", "WARNING", "a.xlsx", "D10"),
        _issue("A", "WARNING", "a.xlsx", "D9"),  # row 9 before row 10, not as text
        _issue("A", "ERROR", "z.xlsx", ""),  # ERROR first, whatever its file
        _issue("A", "WARNING", "a.xlsx", "D9"),  # the same issue again: kept once
        _issue("A", "WARNING", "a.xlsx", "C9", rule="s"),  # same row: by cell, then rule
        _issue("A", "WARNING", "a.xlsx", "C9", rule="q"),
        _issue("", "ERROR", "x.xlsx", "A1"),  # no OPD (a file no OPD was found for): first
    ]
    frame = issues_frame(found)
    assert list(frame.columns) == ISSUE_COLUMNS
    assert list(frame.index) == list(range(7))
    assert list(frame[["kode_opd", "severity", "cell", "rule"]].itertuples(False, None)) == [
        ("", "ERROR", "A1", "r"),
        ("A", "ERROR", "", "r"),
        ("A", "WARNING", "C9", "q"),
        ("A", "WARNING", "C9", "s"),
        ("A", "WARNING", "D9", "r"),
        ("A", "WARNING", "D10", "r"),
        ("B", "INFO", "D2", "r"),
    ]


def test_no_issue_is_an_empty_frame_with_the_columns() -> None:
    frame = issues_frame([])
    assert frame.empty
    assert list(frame.columns) == ISSUE_COLUMNS


def test_the_register_counts_each_used_files_problems_after_every_stage() -> None:
    """A used file's status and reason are recounted from the issues of every stage; a file
    not used keeps its own; an issue without a file counts for none."""
    import pandas as pd

    from pipeline import schema
    from pipeline.issues import ERROR, WARNING
    from pipeline.validate.register import finalize_register

    berkas = pd.DataFrame(
        {
            "berkas": ["a.xlsx", "b.xlsx", "c.xlsx", "d.xlsx"],
            "status": [schema.BERKAS_DITERIMA] * 3 + [schema.BERKAS_DITOLAK],
            "alasan": ["", "", "", "bukan templat"],
        }
    )
    issues = pd.DataFrame(
        {
            "file": ["a.xlsx", "a.xlsx", "a.xlsx", "b.xlsx", "d.xlsx", None],
            "severity": [ERROR, ERROR, WARNING, WARNING, ERROR, ERROR],
        }
    )
    out = finalize_register(berkas, issues)
    assert out["status"].tolist() == [
        schema.BERKAS_DITERIMA_SEBAGIAN,
        schema.BERKAS_DITERIMA_CATATAN,
        schema.BERKAS_DITERIMA,
        schema.BERKAS_DITOLAK,
    ]
    assert out["alasan"].tolist() == [
        "2 ERROR, 1 WARNING",
        "0 ERROR, 1 WARNING",
        "",
        "bukan templat",
    ]
    empty = finalize_register(berkas, pd.DataFrame(columns=["file", "severity"]))
    assert empty["status"].tolist()[:3] == [schema.BERKAS_DITERIMA] * 3
