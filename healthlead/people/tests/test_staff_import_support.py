"""Staff CSV files for the staff import tests: a row helper and a file builder (no tests here)."""

from __future__ import annotations

from typing import Any

from healthlead.people.staff_import import COLUMNS


def staff_row(number: str, *, org: str = "RAA", manager: str = "", **values: Any) -> dict:
    """One person as CSV values; anything not given is a sensible default."""
    row = {
        "staff_number": number,
        "first_name": f"First{number}",
        "last_name": f"Last{number}",
        "work_email": f"p{number}@nhs.example",
        "organisation_code": org,
        "staff_group": "Nurses and health visitors",
        "occupation": "Staff nurse",
        "grade": "Band 5",
        "career_stage": "",
        "line_manager_staff_number": manager,
        "start_date": "2020-09-01",
        "status": "",
    }
    row.update(values)
    return row


def staff_csv(
    *rows: dict,
    columns: tuple[str, ...] | list[str] = COLUMNS,
    header: list[str] | None = None,
    newline: str = "\n",
    bom: bool = False,
) -> bytes:
    """A staff file: the header (column names, or `header` as written) and the rows."""

    def cell(value: Any) -> str:
        text = str(value)
        if any(ch in text for ch in ',"\n\r'):
            return '"' + text.replace('"', '""') + '"'
        return text

    lines = [",".join(header if header is not None else columns)]
    lines += [",".join(cell(r.get(c, "")) for c in columns) for r in rows]
    text = newline.join(lines) + newline
    return ("\ufeff" if bom else "").encode() + text.encode()
