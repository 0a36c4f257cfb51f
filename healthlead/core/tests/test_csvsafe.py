import csv
import io

import pytest

from healthlead.core import csvsafe


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+SUM(A1:A2)",
        "-2+3",
        "@SUM(A1)",
        "\t=cmd",
        "\r=cmd",
        "=cmd|' /C calc'!A0",
        '  =HYPERLINK("http://example.com")',
        "\uff1d1+1",
    ],
)
def test_values_a_spreadsheet_would_run_as_formulas_are_quoted(value):
    assert csvsafe.neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["Smith", "100234", "-12", "+44", "-3.5", "1e5", "", "a=b", "O'Neil"]
)
def test_ordinary_values_and_plain_numbers_are_unchanged(value):
    assert csvsafe.neutralise(value) == value


def test_none_becomes_an_empty_cell():
    assert csvsafe.neutralise(None) == ""


def test_non_text_values_are_written_as_text():
    assert csvsafe.neutralise(42) == "42"


def test_writer_neutralises_every_cell_and_keeps_csv_quoting():
    handle = io.StringIO()
    out = csvsafe.writer(handle)
    out.writerow(["Row", "Value"])
    out.writerows([[2, "=1+1"], [3, "Smith, Jo"]])
    rows = list(csv.reader(io.StringIO(handle.getvalue())))
    assert rows == [["Row", "Value"], ["2", "'=1+1"], ["3", "Smith, Jo"]]
