"""CSV files that are safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula, so a value typed by someone
else (a name, a staff number) could run a formula on the reader's machine
("CSV injection", OWASP). Every CSV file Healthlead writes for download goes
through `neutralise`, which puts a single quote in front of such a value: the
spreadsheet then shows it as text. Plain numbers (such as -12 or +44) are left
alone, because they cannot hold a formula.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

# ASCII triggers, their full-width forms (some spreadsheets fold them), tab and carriage return.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> str:
    """The value as text that a spreadsheet will never run as a formula."""
    text = "" if value is None else str(value)
    stripped = text.lstrip(" ")
    if not stripped or stripped[0] not in FORMULA_TRIGGERS:
        return text
    if _PLAIN_NUMBER.fullmatch(stripped):
        return text
    return "'" + text


def safe_row(values: Iterable[Any]) -> list[str]:
    """A row with every cell neutralised."""
    return [neutralise(value) for value in values]


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeWriter:
    """A csv.writer whose every cell is neutralised."""

    def __init__(self, handle: _Writable, **options: Any):
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: _Writable, **options: Any) -> SafeWriter:
    """Like csv.writer(handle), with formula injection neutralised."""
    return SafeWriter(handle, **options)
