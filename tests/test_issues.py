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
