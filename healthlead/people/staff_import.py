"""Staff import: read a staff CSV file, check every row, then apply it all or nothing.

`check()` reads the file and the database and never writes: it returns every
problem (row, column, value, reason) or the rows ready to apply. `apply()` writes
a checked file inside the caller's transaction (people.actions.import_staff_file
holds the transaction, the lock and the audit event) with bulk statements:

- PostgreSQL: new people get identifiers from the table's sequence in one query,
  so their line managers and manager paths are known before anything is written;
  they are COPYed straight into the people table. Changed people are COPYed into
  a temporary table and applied with one UPDATE ... FROM. Marking people as left
  is one UPDATE with an anti-join against a temporary table of the file's staff
  numbers. A bulk load into an empty or small table sets the secondary indexes
  and foreign keys aside meanwhile (see _bulk_load).
- SQLite: bulk_create and bulk_update in batches.

Either way, the number of queries depends on the depth of the management tree
and the batch size, never on one query per row. Rows are checked a column at a
time, and each distinct value of a coded column is looked up once. The file
format is in docs/staff-import.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from healthlead.core import csvsafe
from healthlead.people.models import CareerStage, Grade, Organisation, Person, StaffGroup

COLUMNS = (
    "staff_number",
    "first_name",
    "last_name",
    "work_email",
    "organisation_code",
    "staff_group",
    "occupation",
    "grade",
    "career_stage",
    "line_manager_staff_number",
    "start_date",
    "status",
)
REQUIRED_COLUMNS = (
    "staff_number",
    "first_name",
    "last_name",
    "organisation_code",
    "staff_group",
    "grade",
    "start_date",
)
# What goes in each column (the upload page shows this; docs/staff-import.md says more).
COLUMN_HELP = {
    "staff_number": "The person's unique staff number, such as their ESR assignment number",
    "first_name": "First name",
    "last_name": "Last name",
    "work_email": "Work email address, such as name@nhs.net (optional)",
    "organisation_code": "ODS code of the organisation they work for, such as RGT",
    "staff_group": "Staff group: a code or a name, such as Nurses and health visitors",
    "occupation": "Job or profession, such as Staff nurse (optional)",
    "grade": "Agenda for Change band (Band 5, 8a) or medical grade (FY1, ST3, Consultant)",
    "career_stage": "Career stage (optional: worked out from the grade when blank)",
    "line_manager_staff_number": "Staff number of their line manager (optional)",
    "start_date": "Start date, as YYYY-MM-DD or DD/MM/YYYY",
    "status": "active or left (optional: active when blank)",
}
MAX_LENGTHS = {"first_name": 100, "last_name": 100, "work_email": 254, "occupation": 200}
# Line-management chains deeper than this are refused: real NHS hierarchies have fewer
# than 20 levels, and it keeps Person.manager_path within its 1,000 characters.
MAX_MANAGEMENT_DEPTH = 50
# Problems keep at most this much of a value, so a runaway cell cannot swamp a report.
MAX_VALUE_IN_PROBLEM = 100
# Start dates are refused before this year or more than this far ahead.
EARLIEST_START_YEAR = 1900
LATEST_START_AHEAD = dt.timedelta(days=366)

# Career stage given to a grade when the file leaves career_stage blank (docs/staff-import.md).
DEFAULT_CAREER_STAGE: dict[str, str] = {
    Grade.STUDENT: CareerStage.STUDENT,
    **dict.fromkeys(
        (Grade.BAND_1, Grade.BAND_2, Grade.BAND_3, Grade.BAND_4, Grade.BAND_5),
        CareerStage.EARLY_CAREER,
    ),
    Grade.BAND_6: CareerStage.ESTABLISHED,
    Grade.BAND_7: CareerStage.ESTABLISHED,
    **dict.fromkeys(
        (Grade.BAND_8A, Grade.BAND_8B, Grade.BAND_8C, Grade.BAND_8D, Grade.BAND_9),
        CareerStage.SENIOR,
    ),
    Grade.VSM: CareerStage.EXECUTIVE,
    **dict.fromkeys(
        (Grade.FY1, Grade.FY2, Grade.CT1, Grade.CT2, Grade.CT3, Grade.ST1, Grade.ST2),
        CareerStage.EARLY_CAREER,
    ),
    **dict.fromkeys(
        (Grade.ST3, Grade.ST4, Grade.ST5, Grade.ST6, Grade.ST7, Grade.ST8), CareerStage.REGISTRAR
    ),
    Grade.SPECIALTY_DOCTOR: CareerStage.ESTABLISHED,
    Grade.CONSULTANT: CareerStage.ESTABLISHED,
}

_STAFF_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]{0,19}")
_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_PARENTHESIS = re.compile(r"\s*\(([^)]*)\)\s*")

# Files that are plainly not text, by their first bytes.
_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook or another zipped file"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
)
_SAVE_AS_CSV = (
    "Save it from your spreadsheet as \u201cCSV UTF-8 (comma delimited)\u201d and try again."
)


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be imported. row is None for the file as a whole."""

    row: int | None
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "value": self.value, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        return cls(data.get("row"), data["column"], data["value"], data["reason"])

    def describe(self) -> str:
        where = "File" if self.row is None else f"Row {self.row}"
        if self.column:
            where += f", column {self.column}"
        if self.value:
            where += f", value \u201c{self.value}\u201d"
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class StaffRow:
    """One checked row, in the form it will be stored."""

    row: int
    staff_number: str
    first_name: str
    last_name: str
    work_email: str
    organisation_id: int
    staff_group: str
    occupation: str
    grade: str
    career_stage: str
    manager_number: str  # "" when the person has no line manager
    start_date: dt.date
    status: str


_EXISTING_FIELDS = (
    "pk",
    "staff_number",
    "first_name",
    "last_name",
    "work_email",
    "organisation_id",
    "staff_group",
    "occupation",
    "grade",
    "career_stage",
    "line_manager_id",
    "manager_path",
    "start_date",
    "status",
    "left_on",
)


# The same, as columns for raw SQL (Django names these columns after the fields).
_EXISTING_COLUMNS = ", ".join("id" if name == "pk" else name for name in _EXISTING_FIELDS)


class Existing(NamedTuple):
    """A staff record already in the database, as much of it as the import needs."""

    pk: int
    staff_number: str
    first_name: str
    last_name: str
    work_email: str
    organisation_id: int
    staff_group: str
    occupation: str
    grade: str
    career_stage: str
    line_manager_id: int | None
    manager_path: str
    start_date: dt.date
    status: str
    left_on: dt.date | None


@dataclass
class CheckResult:
    """What check() found: every problem, or the rows and the records they touch."""

    sha256: str
    row_count: int = 0
    rows: list[StaffRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    organisation_ids: set[int] = field(default_factory=set)
    # Existing records by staff number: those in the file, their line managers and
    # everyone above those managers.
    existing: dict[str, Existing] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ImportCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_left: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "marked_left": self.marked_left,
        }


class OrganisationScope(Protocol):
    """Whoever imports: accounts.scope.Scope answers this."""

    def covers_organisation(self, organisation: Organisation) -> bool: ...


Progress = Callable[[int, str], None]  # (percent of the check done, what is happening)


# ---------------------------------------------------------------------------
# Codes and labels


def _compact(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower())


def _aliases(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Every spelling we accept for a choice: code, label, label without brackets, bracket text."""
    lookup: dict[str, str] = {}
    for code, label in choices:
        names = {code, label, _PARENTHESIS.sub(" ", label)}
        names.update(_PARENTHESIS.findall(label))
        if code.startswith("band_"):
            names.add(code.removeprefix("band_"))
        for name in names:
            key = _compact(name)
            if key:
                lookup.setdefault(key, code)
    return lookup


STAFF_GROUPS = _aliases(StaffGroup.choices)
GRADES = _aliases(Grade.choices)
CAREER_STAGES = _aliases(CareerStage.choices)
STATUSES = _aliases(Person.Status.choices)


def _listing(labels: Iterable[str]) -> str:
    items = list(labels)
    return ", ".join(items[:-1]) + " or " + items[-1]


_STAFF_GROUP_HELP = "Use one of: " + _listing(label for _, label in StaffGroup.choices) + "."
_GRADE_HELP = (
    "Use an Agenda for Change band (Band 1 to Band 9, with 8a to 8d), a medical grade "
    "(FY1, FY2, CT1 to CT3, ST1 to ST8, Specialty doctor, Consultant), "
    "Very senior manager or Student."
)
_CAREER_STAGE_HELP = (
    "Use one of: " + _listing(label for _, label in CareerStage.choices) + ", or leave it blank."
)


def clean_file_name(name: str) -> str:
    """A file name safe to show and to offer for download: no folders or odd characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    base = re.sub(r"[^\w .()-]+", "_", base).strip(" ._")
    if len(base) > 100:
        stem, dot, extension = base.rpartition(".")
        base = (stem[: 95 - len(extension)] + dot + extension) if dot else base[:100]
    return base or "staff.csv"


UPLOAD_EXTENSIONS = (".csv", ".txt")


def upload_problem(name: str, size: int, head: bytes, max_bytes: int) -> str | None:
    """Why an uploaded file cannot be a staff file, from its name, size and first bytes."""
    if size == 0:
        return "The selected file is empty"
    if size > max_bytes:
        return f"The selected file must be smaller than {max_bytes // (1024 * 1024)} MB"
    if not name.lower().endswith(UPLOAD_EXTENSIONS):
        return "The selected file must be a CSV file"
    for signature, what in _BINARY_SIGNATURES:
        if head.startswith(signature):
            return f"The selected file must be a CSV file, not {what}. {_SAVE_AS_CSV}"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "The selected file must be a CSV file: it holds binary data"
    return None


def header_name(text: str) -> str:
    """A header cell as a column name: case, spaces and hyphens do not matter."""
    return re.sub(r"[\s-]+", "_", text.strip().lower())


def _shown(value: str) -> str:
    if len(value) > MAX_VALUE_IN_PROBLEM:
        return value[: MAX_VALUE_IN_PROBLEM - 1] + "\u2026"
    return value


def parse_date(value: str) -> dt.date | str | None:
    """A date from YYYY-MM-DD or DD/MM/YYYY; a reason (str) when it is not a real date."""
    match = _ISO_DATE.fullmatch(value)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _UK_DATE.fullmatch(value)
        if not match:
            return None
        day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return "This is not a real date. Check the day and the month."


# ---------------------------------------------------------------------------
# Reading the file


def _decode(data: bytes) -> tuple[str | None, Problem | None]:
    """The file as text, or the reason it is not a UTF-8 text file."""
    body = data.removeprefix(b"\xef\xbb\xbf")
    if not body.strip():
        return None, Problem(None, "", "", "The file is empty. Choose a CSV file with staff in it.")
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            return None, Problem(
                None, "", "", f"The file is {what}, not a CSV file. {_SAVE_AS_CSV}"
            )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Problem(
            None, "", "", f"The file is saved as UTF-16 text, not UTF-8. {_SAVE_AS_CSV}"
        )
    if b"\x00" in data:
        return None, Problem(
            None, "", "", f"The file holds binary data, so it is not a CSV file. {_SAVE_AS_CSV}"
        )
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as error:
        row = body.count(b"\n", 0, error.start) + 1
        return None, Problem(
            row,
            "",
            "",
            "The file is not UTF-8 text: this row has a character in another encoding "
            f"(often a pound sign or an accent from an older spreadsheet). {_SAVE_AS_CSV}",
        )


def _records(text: str) -> tuple[list[list[str]], Problem | None]:
    """Every record (spreadsheet row) in the file, or the first place the CSV is broken."""
    records: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records.extend(reader)
    except csv.Error as error:
        return records, Problem(
            len(records) + 1,
            "",
            "",
            f"The file cannot be read as CSV from this row ({error}). Check for a quote mark "
            "that is not closed, or a value with a quote mark in the middle that is not "
            "itself inside quotes.",
        )
    return records, None


def _wrong_delimiter(header: list[str]) -> str | None:
    if len(header) != 1:
        return None
    for delimiter, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
        if delimiter in header[0]:
            return name
    return None


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while millions of small objects are made.

    It would otherwise scan them over and over as they pile up (a large share of the time
    for a national file); reference counting still frees memory as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def in_batch_size() -> int:
    """How many values one IN (...) may hold: SQLite counts every parameter."""
    return 900 if connection.vendor == "sqlite" else 20_000


def _load_existing(*, numbers: Iterable[str] = (), pks: Iterable[int] = ()) -> Iterator[Existing]:
    """Existing records by staff number or id: one query each on PostgreSQL, batches on SQLite."""
    wanted = (("staff_number", sorted(set(numbers))), ("id", sorted(set(pks))))
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(Person._meta.db_table)
        select = f"SELECT {_EXISTING_COLUMNS} FROM {table}"  # noqa: S608 (our own names)
        # One text parameter is far quicker to send than an array of 100,000 (staff numbers
        # are checked before they get here, and cannot hold a comma).
        arrays = {
            "staff_number": "string_to_array(%s, ',')",
            "id": "string_to_array(%s, ',')::bigint[]",
        }
        with connection.cursor() as cursor:
            for column, values in wanted:
                if values:
                    joined = ",".join(map(str, values))
                    cursor.execute(f"{select} WHERE {column} = ANY({arrays[column]})", [joined])
                    for row in cursor.fetchall():
                        yield Existing._make(row)
        return
    for column, values in wanted:
        for chunk in chunks(values, in_batch_size()):
            people = Person.objects.filter(**{f"{column}__in": chunk})
            for row in people.values_list(*_EXISTING_FIELDS):
                yield Existing._make(row)


# ---------------------------------------------------------------------------
# Checking


def check(
    data: bytes,
    *,
    scope: OrganisationScope | None = None,
    mark_missing_left: bool = False,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Check a whole staff file against the format and the database, writing nothing.

    scope: only organisations it covers may be imported (None: any organisation).
    """
    with _without_cycle_collection():
        return _check(data, scope, mark_missing_left, today, progress)


def _check(
    data: bytes,
    scope: OrganisationScope | None,
    mark_missing_left: bool,
    today: dt.date | None,
    progress: Progress | None,
) -> CheckResult:
    result = CheckResult(sha256=hashlib.sha256(data).hexdigest())
    problems = result.problems
    today = today or timezone.localdate()
    report = progress or (lambda percent, label: None)
    report(0, "Reading the file")

    text, problem = _decode(data)
    if problem is not None or text is None:
        problems.append(problem)  # type: ignore[arg-type]
        return result
    records, problem = _records(text)
    if problem is not None:
        problems.append(problem)
        return result
    del text
    if not records or not any(cell.strip() for cell in records[0]):
        reason = (
            "The file has no header row. Row 1 must hold the column names, such as "
            "staff_number and first_name."
        )
        problems.append(Problem(1, "", "", reason))
        return result

    header = records[0]
    delimiter = _wrong_delimiter(header)
    if delimiter:
        problems.append(
            Problem(
                1,
                "",
                _shown(header[0]),
                f"The values are separated by {delimiter}, not commas. {_SAVE_AS_CSV}",
            )
        )
        return result
    positions: dict[str, int] = {}
    blank_columns: list[int] = []
    for index, cell in enumerate(header):
        name = header_name(cell)
        if not name:
            blank_columns.append(index)
        elif name not in COLUMNS:
            problems.append(
                Problem(
                    1,
                    _shown(cell.strip()),
                    _shown(cell.strip()),
                    "Healthlead does not know this column. Check its spelling or remove it. "
                    "The columns are " + ", ".join(COLUMNS) + ".",
                )
            )
        elif name in positions:
            problems.append(
                Problem(
                    1,
                    name,
                    _shown(cell.strip()),
                    f"The column {name} appears more than once. Keep one of them.",
                )
            )
        else:
            positions[name] = index
    if not positions:
        problems.clear()  # naming every unknown column would not help
        problems.append(
            Problem(
                1,
                "",
                "",
                "This is not a staff file: row 1 has none of the column names Healthlead "
                "expects (" + ", ".join(REQUIRED_COLUMNS) + ").",
            )
        )
        return result
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    for name in missing:
        problems.append(
            Problem(1, name, "", f"The required column {name} is missing from the header row.")
        )

    managers = _check_rows(
        result, records, positions, blank_columns, not missing, scope, today, report
    )
    del records
    report(80, "Checking line managers")
    _check_managers(result, managers, scope, mark_missing_left)
    report(100, "Checked")
    if result.problems:
        result.rows = []
    return result


class _ManagerMap:
    """Each staff number in the file, its line manager's staff number and its row."""

    def __init__(self) -> None:
        self.manager: dict[str, str] = {}
        self.row: dict[str, int] = {}

    def add(self, number: str, manager: str, row: int) -> None:
        self.manager[number] = manager
        self.row[number] = row


# Plain-English reasons for row problems (docs/staff-import.md lists them).
NEED_STAFF_NUMBER = "Enter a staff number."
BAD_STAFF_NUMBER = (
    "A staff number has up to 20 letters and digits, and may also use hyphens, full stops, "
    "underscores and slashes."
)
DUPLICATE_STAFF_NUMBER = "This staff number is also on row {row}. Each person must appear once."
NEED_FIRST_NAME = "Enter a first name."
NEED_LAST_NAME = "Enter a last name."
TOO_LONG = "This must be {limit} characters or fewer."
BAD_EMAIL = (
    "Enter a work email address in the correct format, like name@nhs.net, or leave it blank."
)
BAD_STATUS = "The status must be active or left, or blank for active."
NEED_ORGANISATION = "Enter the organisation\u2019s ODS code, for example RGT."
UNKNOWN_ORGANISATION = (
    "No organisation has this code. Use the organisation\u2019s ODS code, for example RGT."
)
OUTSIDE_SCOPE = (
    "You can import staff only for organisations you lead, and {name} is not one of them."
)
CLOSED_ORGANISATION = "{name} closed on {closed:%d/%m/%Y}, so active staff cannot belong to it."
NEED_STAFF_GROUP = "Enter a staff group. " + _STAFF_GROUP_HELP
BAD_STAFF_GROUP = "This is not a staff group. " + _STAFF_GROUP_HELP
NEED_GRADE = "Enter a grade. " + _GRADE_HELP
BAD_GRADE = "This is not a grade. " + _GRADE_HELP
BAD_CAREER_STAGE = "This is not a career stage. " + _CAREER_STAGE_HELP
BAD_MANAGER_NUMBER = "This is not a staff number. " + BAD_STAFF_NUMBER
OWN_MANAGER = "A person cannot be their own line manager."
NEED_START_DATE = "Enter the start date, for example 2021-09-01."
BAD_DATE_FORMAT = (
    "Enter the start date as YYYY-MM-DD or DD/MM/YYYY, for example 2021-09-01 or 01/09/2021."
)
NOT_A_REAL_DATE = "This is not a real date. Check the day and the month."
TOO_EARLY = f"The start date must be in {EARLIEST_START_YEAR} or later."
TOO_LATE = "The start date must be no more than a year from today."
WRONG_WIDTH = (
    "This row has {found} values but the header row has {width} columns. Check for a comma "
    "inside a value that is not in quotes."
)
UNNAMED_COLUMN = (
    "This value is in a column with no name in the header row. Name the column or remove the value."
)
NO_STAFF = "The file has a header row but no staff. Add a row for each person."
SOMEONE_ELSES_RECORD = (
    "This staff number belongs to someone at {name}, which you do not lead, so this file "
    "cannot change their record."
)
NO_MANAGER = (
    "No one with this staff number is in the file or already in Healthlead. Add the line "
    "manager to the file or correct the staff number."
)
MANAGER_LEAVES = (
    "This line manager is not in the file, so the import would mark them as left. Add them "
    "to the file, or do not mark missing staff as left."
)
MANAGER_LOOP = (
    "Line managers go round in a loop: {loop}. Someone in the loop must report to someone "
    "outside it."
)
TOO_DEEP = (
    f"This person has more than {MAX_MANAGEMENT_DEPTH} levels of line managers above them. "
    "Check the line managers in the file."
)


def _start_date(value: str, latest: dt.date) -> dt.date | str:
    """The date, or the reason it is not a good start date."""
    parsed = parse_date(value)
    if parsed is None:
        return BAD_DATE_FORMAT
    if isinstance(parsed, str):
        return parsed
    if parsed.year < EARLIEST_START_YEAR:
        return TOO_EARLY
    if parsed > latest:
        return TOO_LATE
    return parsed


def _organisations(
    codes: set[str], scope: OrganisationScope | None, today: dt.date
) -> dict[tuple[str, bool], tuple[int | None, str]]:
    """For each (code as written, active?): (organisation id, "") or (None, the reason)."""
    found: dict[str, Organisation] = {}
    wanted = sorted({code.upper() for code in codes})
    for chunk in chunks(wanted, in_batch_size()):
        for each in Organisation.objects.filter(code__in=chunk).only(
            "pk", "code", "name", "region_id", "closed_on"
        ):
            found[each.code.upper()] = each
    answers: dict[tuple[str, bool], tuple[int | None, str]] = {}
    for code in codes:
        org: Organisation | None = found.get(code.upper())
        for active in (True, False):
            if org is None:
                answer: tuple[int | None, str] = (None, UNKNOWN_ORGANISATION)
            elif scope is not None and not scope.covers_organisation(org):
                answer = (None, OUTSIDE_SCOPE.format(name=org.display_name))
            elif active and org.closed_on is not None and org.closed_on <= today:
                reason = CLOSED_ORGANISATION.format(name=org.display_name, closed=org.closed_on)
                answer = (None, reason)
            else:
                answer = (org.pk, "")
            answers[code, active] = answer
    return answers


class _Rows:
    """The data rows of a file, checked a column at a time.

    Each distinct value of a coded column (staff group, grade, organisation, date...) is
    looked up once, which keeps a national file quick to check.
    """

    def __init__(self, records: list[list[str]], positions: dict[str, int]):
        self.problems: list[Problem] = []
        self.positions = positions
        self.numbers: list[int] = []  # the spreadsheet row number of each data row
        self.cells: list[list[str]] = []
        width = len(records[0])
        for index in range(1, len(records)):
            record = records[index]
            if len(record) > width and not "".join(record[width:]).strip():
                record = record[:width]  # empty cells after the last column
            if not any(record) or not "".join(record).strip():
                continue  # a blank line
            if len(record) != width:
                reason = WRONG_WIDTH.format(found=len(record), width=width)
                self.problems.append(Problem(index + 1, "", "", reason))
                continue
            self.numbers.append(index + 1)
            self.cells.append(record)

    def __len__(self) -> int:
        return len(self.numbers)

    def values(self, name: str) -> list[str]:
        """The column's values, trimmed; blanks if the file has no such column."""
        position = self.positions.get(name)
        if position is None:
            return [""] * len(self.numbers)
        return [record[position].strip() for record in self.cells]

    def problem(self, index: int, column: str, value: str, reason: str) -> None:
        self.problems.append(Problem(self.numbers[index], column, _shown(value), reason))

    def required(self, name: str, values: list[str], reason: str) -> None:
        """A problem for each blank value, if the file has the column at all."""
        if name in self.positions and "" in values:
            for index, value in enumerate(values):
                if not value:
                    self.problem(index, name, "", reason)

    def at_most(self, name: str, values: list[str], limit: int) -> None:
        if values and max(map(len, values)) > limit:
            for index, value in enumerate(values):
                if len(value) > limit:
                    self.problem(index, name, value, TOO_LONG.format(limit=limit))

    def coded(
        self, name: str, values: list[str], answers: dict[str, Any], reason: str
    ) -> list[Any]:
        """Each value's answer; a value that is not blank with no answer (None) is a problem."""
        out = [answers[value] for value in values]
        if any(answer is None for value, answer in answers.items() if value):
            for index, (value, answer) in enumerate(zip(values, out, strict=True)):
                if value and answer is None:
                    self.problem(index, name, value, reason)
        return out

    def dates(self, name: str, values: list[str], latest: dt.date) -> list[dt.date | None]:
        """Each value as a date; a value that is not a good date is a problem."""
        answers = {value: _start_date(value, latest) for value in set(values) if value}
        out = [answers.get(value) for value in values]
        if any(isinstance(answer, str) for answer in answers.values()):
            for index, (value, answer) in enumerate(zip(values, out, strict=True)):
                if isinstance(answer, str):
                    self.problem(index, name, value, answer)
                    out[index] = None
        return out  # type: ignore[return-value]


def _check_rows(
    result: CheckResult,
    records: list[list[str]],
    positions: dict[str, int],
    blank_columns: list[int],
    complete: bool,
    scope: OrganisationScope | None,
    today: dt.date,
    report: Progress,
) -> _ManagerMap:
    """Check every data row on its own; keep the rows that are fine."""
    rows = _Rows(records, positions)
    result.row_count = len(rows) + len(rows.problems)
    total = len(rows)
    count = f"{total:,} rows"

    for position in blank_columns:
        for index, record in enumerate(rows.cells):
            if record[position].strip():
                rows.problem(index, f"column {position + 1}", record[position], UNNAMED_COLUMN)

    report(10, f"Checking staff numbers in {count}")
    numbers = rows.values("staff_number")
    rows.required("staff_number", numbers, NEED_STAFF_NUMBER)
    good_number = [bool(n) and _STAFF_NUMBER.fullmatch(n) is not None for n in numbers]
    if not all(good_number):
        for index, number in enumerate(numbers):
            if number and not good_number[index]:
                rows.problem(index, "staff_number", number, BAD_STAFF_NUMBER)
    first_row: dict[str, int] = {}  # a staff number and the first data row it is on
    if len(set(numbers)) < total:
        for index, number in enumerate(numbers):
            if not good_number[index]:
                continue
            if number in first_row:
                row = rows.numbers[first_row[number]]
                reason = DUPLICATE_STAFF_NUMBER.format(row=row)
                rows.problem(index, "staff_number", number, reason)
                good_number[index] = False
            else:
                first_row[number] = index

    report(20, f"Checking names and emails in {count}")
    first_names = rows.values("first_name")
    rows.required("first_name", first_names, NEED_FIRST_NAME)
    rows.at_most("first_name", first_names, MAX_LENGTHS["first_name"])
    last_names = rows.values("last_name")
    rows.required("last_name", last_names, NEED_LAST_NAME)
    rows.at_most("last_name", last_names, MAX_LENGTHS["last_name"])
    emails = rows.values("work_email")
    limit = MAX_LENGTHS["work_email"]
    for index, email in enumerate(emails):
        if email and (len(email) > limit or _EMAIL.fullmatch(email) is None):
            rows.problem(index, "work_email", email, BAD_EMAIL)

    report(35, f"Checking organisations, staff groups and grades in {count}")
    # The status first: a closed organisation may still hold leavers.
    status_values = rows.values("status")
    statuses = {v: STATUSES.get(_compact(v)) if v else "active" for v in set(status_values)}
    status = rows.coded("status", status_values, statuses, BAD_STATUS)
    org_values = rows.values("organisation_code")
    organisation_ids: list[int | None] = [None] * total
    if "organisation_code" in positions:
        rows.required("organisation_code", org_values, NEED_ORGANISATION)
        answers = _organisations({code for code in org_values if code}, scope, today)
        answers["", True] = answers["", False] = (None, "")
        active = Person.Status.ACTIVE
        found = [answers[code, s == active] for code, s in zip(org_values, status, strict=True)]
        organisation_ids = [organisation_id for organisation_id, _ in found]
        if any(reason for _, reason in answers.values()):
            for index, (_, reason) in enumerate(found):
                if reason:
                    rows.problem(index, "organisation_code", org_values[index], reason)

    group_values = rows.values("staff_group")
    rows.required("staff_group", group_values, NEED_STAFF_GROUP)
    groups_known = {v: STAFF_GROUPS.get(_compact(v)) for v in set(group_values) if v}
    groups = rows.coded("staff_group", group_values, {"": "", **groups_known}, BAD_STAFF_GROUP)
    occupations = rows.values("occupation")
    rows.at_most("occupation", occupations, MAX_LENGTHS["occupation"])
    grade_values = rows.values("grade")
    rows.required("grade", grade_values, NEED_GRADE)
    grades_known = {v: GRADES.get(_compact(v)) for v in set(grade_values) if v}
    grades = rows.coded("grade", grade_values, {"": "", **grades_known}, BAD_GRADE)
    stage_values = rows.values("career_stage")
    stages_known = {v: CAREER_STAGES.get(_compact(v)) for v in set(stage_values) if v}
    stages = rows.coded("career_stage", stage_values, {"": "", **stages_known}, BAD_CAREER_STAGE)
    stages = [
        stage or DEFAULT_CAREER_STAGE.get(grade or "", "")
        for stage, grade in zip(stages, grades, strict=True)
    ]

    report(50, f"Checking line managers and start dates in {count}")
    managers = rows.values("line_manager_staff_number")
    malformed = {m for m in set(managers) if m and _STAFF_NUMBER.fullmatch(m) is None}
    wrong = [
        index
        for index, (manager, number) in enumerate(zip(managers, numbers, strict=True))
        if manager and (manager == number or manager in malformed)
    ]
    for index in wrong:
        manager = managers[index]
        reason = BAD_MANAGER_NUMBER if manager in malformed else OWN_MANAGER
        rows.problem(index, "line_manager_staff_number", manager, reason)
        managers[index] = ""
    start_values = rows.values("start_date")
    rows.required("start_date", start_values, NEED_START_DATE)
    starts = rows.dates("start_date", start_values, today + LATEST_START_AHEAD)

    manager_map = _ManagerMap()
    for number, manager, row, good in zip(
        numbers, managers, rows.numbers, good_number, strict=True
    ):
        if good:
            manager_map.manager[number] = manager
            manager_map.row[number] = row
    result.problems.extend(rows.problems)
    result.organisation_ids = {pk for pk in organisation_ids if pk is not None}
    if complete and not result.problems:
        # Any problem stops the whole file, so rows are kept only for a file with none so far.
        columns = (
            rows.numbers, numbers, first_names, last_names, emails, organisation_ids, groups,
            occupations, grades, stages, managers, starts, status,
        )  # fmt: skip
        result.rows = [StaffRow(*values) for values in zip(*columns, strict=True)]
    if result.row_count == 0 and not result.problems:
        result.problems.append(Problem(None, "", "", NO_STAFF))
    return manager_map


def _check_managers(
    result: CheckResult,
    managers: _ManagerMap,
    scope: OrganisationScope | None,
    mark_missing_left: bool,
) -> None:
    """Line managers exist, form no loops and are not too deep; existing records are in scope."""
    in_file = managers.manager
    file_rows = managers.row
    add = result.problems.append

    # Existing records for the file's staff numbers and for managers outside the file.
    outside = {m for m in in_file.values() if m and m not in in_file}
    existing = {e.staff_number: e for e in _load_existing(numbers=[*in_file, *outside])}
    # Everyone above those managers, a level at a time, until the chains reach the top.
    by_pk = {e.pk: e for e in existing.values()}
    wanted = {
        e.line_manager_id
        for number, e in existing.items()
        if number not in in_file and e.line_manager_id is not None
    } - by_pk.keys()
    while wanted:
        level = list(_load_existing(pks=wanted))
        for e in level:
            by_pk[e.pk] = e
            existing.setdefault(e.staff_number, e)
        wanted = {
            e.line_manager_id
            for e in level
            if e.staff_number not in in_file and e.line_manager_id is not None
        } - by_pk.keys()
    result.existing = existing

    # Records that belong to someone else's organisation cannot be changed by this lead.
    if scope is not None:
        organisation_ids = {existing[n].organisation_id for n in in_file if n in existing}
        organisations = Organisation.objects.in_bulk(list(organisation_ids))
        outside_scope = {
            pk for pk, org in organisations.items() if not scope.covers_organisation(org)
        }
        for number in in_file:
            person = existing.get(number)
            if person is not None and person.organisation_id in outside_scope:
                org = organisations[person.organisation_id]
                reason = SOMEONE_ELSES_RECORD.format(name=org.display_name)
                add(Problem(file_rows[number], "staff_number", number, reason))

    # Missing line managers, and managers who would be marked as left.
    left_organisations = result.organisation_ids if mark_missing_left else set()
    for number, manager in in_file.items():
        if not manager or manager in in_file:
            continue
        person = existing.get(manager)
        if person is None:
            add(Problem(file_rows[number], "line_manager_staff_number", manager, NO_MANAGER))
        elif person.organisation_id in left_organisations and person.status == Person.Status.ACTIVE:
            add(Problem(file_rows[number], "line_manager_staff_number", manager, MANAGER_LEAVES))

    # Loops and depth, walking up from every person in the file.
    parents = _parents(in_file, existing)
    depth: dict[str, int] = {}
    reported: set[str] = set()
    on_chain: dict[str, int] = {}
    for start in in_file:
        if start in depth:
            continue
        chain: list[str] = []
        on_chain.clear()
        current: str | None = start
        while current is not None and current not in depth:
            if current in on_chain:
                loop = chain[on_chain[current] :]
                description = " \u2192 ".join([*loop, current])
                members = [m for m in loop if m in file_rows] or [start]
                for member in members:
                    if member not in reported:
                        reported.add(member)
                        reason = MANAGER_LOOP.format(loop=description)
                        value = in_file.get(member, "")
                        add(Problem(file_rows[member], "line_manager_staff_number", value, reason))
                depth.update(dict.fromkeys(chain, 0))
                chain = []
                break
            on_chain[current] = len(chain)
            chain.append(current)
            current = parents.get(current)
        base = -1 if current is None else depth[current]
        for member in reversed(chain):
            base += 1
            depth[member] = base
            if base > MAX_MANAGEMENT_DEPTH and member in file_rows and member not in reported:
                reported.add(member)
                value = in_file.get(member, "")
                add(Problem(file_rows[member], "line_manager_staff_number", value, TOO_DEEP))
    result.problems.sort(key=lambda p: (p.row is not None, p.row or 0))


# ---------------------------------------------------------------------------
# Applying


def _parents(file_managers: dict[str, str], existing: dict[str, Existing]) -> dict[str, str | None]:
    """Each person's line manager (by staff number) once the file is applied: from the file
    for the people in it, from the database for the managers above them."""
    number_of = {e.pk: e.staff_number for e in existing.values()}
    parents: dict[str, str | None] = {
        number: number_of.get(e.line_manager_id) if e.line_manager_id is not None else None
        for number, e in existing.items()
    }
    parents.update((number, manager or None) for number, manager in file_managers.items())
    return parents


def _manager_paths(result: CheckResult, pk_of: dict[str, int]) -> dict[str, str]:
    """Every file row's manager_path once the file is applied."""
    parents = _parents({r.staff_number: r.manager_number for r in result.rows}, result.existing)
    paths: dict[str, str] = {}
    for r in result.rows:
        chain: list[str] = []
        current = r.staff_number
        while current not in paths:
            above = parents.get(current)
            if above is None:
                paths[current] = ""
                break
            chain.append(current)
            current = above
        for member in reversed(chain):
            above = parents[member]
            paths[member] = f"{paths[above] or '/'}{pk_of[above]}/"  # type: ignore[index]
    return paths


_PERSON_COLUMNS = (
    "first_name",
    "last_name",
    "work_email",
    "organisation_id",
    "staff_group",
    "occupation",
    "grade",
    "career_stage",
    "line_manager_id",
    "manager_path",
    "start_date",
    "status",
    "left_on",
)


def apply(
    result: CheckResult, *, mark_missing_left: bool = False, now: dt.datetime | None = None
) -> ImportCounts:
    """Write a checked file. Call inside transaction.atomic(): all of it lands or none."""
    if not connection.in_atomic_block:
        raise RuntimeError("Apply a staff file inside a transaction.")
    if result.problems:
        raise ValueError("A file with problems cannot be applied.")
    with _without_cycle_collection():
        return _apply(result, mark_missing_left, now)


def _apply(result: CheckResult, mark_missing_left: bool, now: dt.datetime | None) -> ImportCounts:
    now = now or timezone.now()
    today = timezone.localdate(now)
    existing = result.existing
    postgres = connection.vendor == "postgresql"

    # In staff number order, so new identifiers rise with staff numbers and both indexes
    # grow at their right-hand end.
    new_rows = sorted(
        (r for r in result.rows if r.staff_number not in existing), key=lambda r: r.staff_number
    )
    pk_of = {number: e.pk for number, e in existing.items()}
    new_ids = _next_ids(len(new_rows)) if postgres else _sqlite_next_ids(len(new_rows))
    pk_of.update(zip((r.staff_number for r in new_rows), new_ids, strict=True))
    paths = _manager_paths(result, pk_of)

    created = len(new_rows)
    updated = unchanged = 0
    new_values: list[tuple[Any, ...]] = []
    changed_values: list[tuple[Any, ...]] = []
    rebuild_roots: list[int] = []
    for r in result.rows:
        manager_id = pk_of[r.manager_number] if r.manager_number else None
        path = paths[r.staff_number]
        before = existing.get(r.staff_number)
        if before is None:
            left_on = today if r.status == Person.Status.LEFT else None
            new_values.append(_values(r, pk_of[r.staff_number], manager_id, path, left_on))
            continue
        if r.status == Person.Status.LEFT:
            left_on = before.left_on if before.status == Person.Status.LEFT else today
        else:
            left_on = None
        same = (
            before.first_name == r.first_name
            and before.last_name == r.last_name
            and before.work_email == r.work_email
            and before.organisation_id == r.organisation_id
            and before.staff_group == r.staff_group
            and before.occupation == r.occupation
            and before.grade == r.grade
            and before.career_stage == r.career_stage
            and before.line_manager_id == manager_id
            and before.start_date == r.start_date
            and before.status == r.status
            and before.left_on == left_on
        )
        if same:
            unchanged += 1
        else:
            updated += 1
        if not same or before.manager_path != path:
            changed_values.append(_values(r, before.pk, manager_id, path, left_on))
        if before.manager_path != path:
            rebuild_roots.append(before.pk)

    if postgres:
        _postgres_write(new_values, changed_values, now)
        marked_left = _postgres_mark_left(result, today, now) if mark_missing_left else 0
    else:
        _sqlite_write(new_values, changed_values, now)
        marked_left = _sqlite_mark_left(result, today, now) if mark_missing_left else 0

    if rebuild_roots:
        # Everyone below a person whose path changed, who is not in the file.
        from healthlead.people.actions import rebuild_manager_paths

        rebuild_manager_paths(rebuild_roots)
    return ImportCounts(created, updated, unchanged, marked_left)


def _values(
    r: StaffRow, pk: int, manager_id: int | None, path: str, left_on: dt.date | None
) -> tuple[Any, ...]:
    return (
        pk,
        r.staff_number,
        r.first_name,
        r.last_name,
        r.work_email,
        r.organisation_id,
        r.staff_group,
        r.occupation,
        r.grade,
        r.career_stage,
        manager_id,
        path,
        r.start_date,
        r.status,
        left_on,
    )


def _next_ids(count: int) -> list[int]:
    """Reserve identifiers for new people from the table's own sequence."""
    if not count:
        return []
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id'))) "
            "FROM generate_series(1, %s)",
            [table, count],
        )
        return sorted(cursor.fetchone()[0])


def _postgres_write(
    new_values: list[tuple[Any, ...]], changed_values: list[tuple[Any, ...]], now: dt.datetime
) -> None:
    table = connection.ops.quote_name(Person._meta.db_table)
    column_list = ", ".join(("id", "staff_number", *_PERSON_COLUMNS))
    with connection.cursor() as cursor, _bulk_load(cursor, len(new_values)):
        if new_values:
            new_values.sort(key=lambda values: values[0])
            with cursor.copy(
                f"COPY {table} ({column_list}, created_at, updated_at) FROM STDIN"
            ) as copy:
                for values in new_values:
                    copy.write_row((*values, now, now))
        if changed_values:
            cursor.execute("DROP TABLE IF EXISTS people_staff_import_changes")
            cursor.execute(
                "CREATE TEMPORARY TABLE people_staff_import_changes "  # noqa: S608
                f"ON COMMIT DROP AS SELECT {column_list} FROM {table} WITH NO DATA"
            )
            with cursor.copy(
                f"COPY people_staff_import_changes ({column_list}) FROM STDIN"
            ) as copy:
                for values in changed_values:
                    copy.write_row(values)
            assignments = ", ".join(f"{c} = c.{c}" for c in _PERSON_COLUMNS)
            cursor.execute(
                f"UPDATE {table} AS p SET {assignments}, updated_at = %s "  # noqa: S608
                "FROM people_staff_import_changes AS c WHERE p.id = c.id",
                [now],
            )


# A load at least this large, and at least as large as the table already is, is a bulk
# load: see _bulk_load.
BULK_LOAD_MIN_ROWS = 20_000


@contextmanager
def _bulk_load(cursor: Any, new_count: int) -> Iterator[None]:
    """For a bulk load, set aside the table's secondary indexes and foreign keys meanwhile.

    Building an index once over all rows, and checking a foreign key with one join, is
    many times faster than updating ten indexes and running two key checks for every new
    row (PostgreSQL's own advice for populating a database). The primary key and the unique
    staff number stay in place, and everything is inside the import's transaction: if
    anything fails, the indexes and keys are back as they were. The table is locked for
    the length of the import, so this is kept for loads into an empty or small table, such
    as a first national load, and only when the table can be locked at once.
    """
    table = Person._meta.db_table
    if new_count < BULK_LOAD_MIN_ROWS:
        yield
        return
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) AS t"  # noqa: S608
    cursor.execute(sql, [new_count])
    if cursor.fetchone()[0] >= new_count:
        yield
        return
    try:
        with transaction.atomic():
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE NOWAIT")
        locked = True
    except OperationalError:
        locked = False  # someone is reading the table right now: load it the ordinary way
    if not locked:
        yield
        return
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index AS i "
        "JOIN pg_class AS c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid)",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    foreign_keys = cursor.fetchall()
    quote = connection.ops.quote_name
    # Deferred key checks still waiting on the table must run before it can be altered.
    connection.check_constraints()
    for name, _ in foreign_keys:
        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {quote(name)}")
    yield
    for name, definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
    for _, definition in indexes:
        cursor.execute(definition)


def _postgres_mark_left(result: CheckResult, today: dt.date, now: dt.datetime) -> int:
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS people_staff_import_numbers")
        cursor.execute(
            "CREATE TEMPORARY TABLE people_staff_import_numbers "
            "(staff_number varchar(20) PRIMARY KEY) ON COMMIT DROP"
        )
        with cursor.copy("COPY people_staff_import_numbers (staff_number) FROM STDIN") as copy:
            for r in result.rows:
                copy.write_row((r.staff_number,))
        cursor.execute("ANALYZE people_staff_import_numbers")
        cursor.execute(
            f"UPDATE {table} AS p SET status = %s, left_on = %s, updated_at = %s "  # noqa: S608
            "WHERE p.organisation_id = ANY(%s) AND p.status = %s AND NOT EXISTS "
            "(SELECT 1 FROM people_staff_import_numbers AS n "
            "WHERE n.staff_number = p.staff_number)",
            [
                Person.Status.LEFT.value,
                today,
                now,
                sorted(result.organisation_ids),
                Person.Status.ACTIVE.value,
            ],
        )
        return cursor.rowcount


def _sqlite_next_ids(count: int) -> list[int]:
    """Identifiers for new people after every one used so far (SQLite never reuses them).

    The import's transaction holds SQLite's write lock from its start (transaction_mode
    IMMEDIATE), so no one else can take these meanwhile.
    """
    if not count:
        return []
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
        top = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
        top = max(top, cursor.fetchone()[0])
    return list(range(top + 1, top + 1 + count))


def _sqlite_write(
    new_values: list[tuple[Any, ...]], changed_values: list[tuple[Any, ...]], now: dt.datetime
) -> None:
    """One prepared INSERT and one prepared UPDATE, each run over all its rows.

    SQLite is in-process, so this is its bulk path: the ORM's bulk_create spends most of its
    time building model objects, and bulk_update's CASE expressions grow with the square of
    the batch.
    """
    ops = connection.ops
    table = ops.quote_name(Person._meta.db_table)
    stamp = ops.adapt_datetimefield_value(now)
    day = ops.adapt_datefield_value

    def adapted(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return (*values[:12], day(values[12]), values[13], day(values[14]))

    columns = ("id", "staff_number", *_PERSON_COLUMNS, "created_at", "updated_at")
    placeholders = ", ".join(["%s"] * len(columns))
    assignments = ", ".join(f"{c} = %s" for c in _PERSON_COLUMNS)
    with connection.cursor() as cursor:
        if new_values:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                [(*adapted(values), stamp, stamp) for values in new_values],
            )
        if changed_values:
            cursor.executemany(
                f"UPDATE {table} SET {assignments}, updated_at = %s WHERE id = %s",  # noqa: S608
                [(*adapted(values)[2:], stamp, values[0]) for values in changed_values],
            )


def _sqlite_mark_left(result: CheckResult, today: dt.date, now: dt.datetime) -> int:
    in_file = {r.staff_number for r in result.rows}
    missing = [
        pk
        for pk, number in Person.objects.filter(
            organisation_id__in=sorted(result.organisation_ids), status=Person.Status.ACTIVE
        ).values_list("pk", "staff_number")
        if number not in in_file
    ]
    for chunk in chunks(missing, in_batch_size()):
        Person.objects.filter(pk__in=chunk).update(
            status=Person.Status.LEFT, left_on=today, updated_at=now
        )
    return len(missing)


# ---------------------------------------------------------------------------
# Reports


PROBLEM_REPORT_HEADER = ("Row", "Column", "Value", "Problem")


def write_problem_report(problems: Iterable[Problem], handle: Any) -> None:
    """The problems as CSV, safe to open in a spreadsheet."""
    out = csvsafe.writer(handle)
    out.writerow(PROBLEM_REPORT_HEADER)
    for p in problems:
        out.writerow(["" if p.row is None else p.row, p.column, p.value, p.reason])
