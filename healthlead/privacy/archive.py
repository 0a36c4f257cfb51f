"""Building the subject access archive: one ZIP with a JSON file per area, the stored files,
and a README.txt that says what each file holds and where it was read from."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import logging
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.files.storage import default_storage

from healthlead.people.models import Person
from healthlead.privacy.collectors import COLLECTORS, ArchiveFile, Collector, safe_name

logger = logging.getLogger(__name__)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return str(value)


def to_json(data: Any) -> str:
    """JSON as written into the archive: indented, dates as ISO 8601, decimals as strings."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default, sort_keys=False)


@dataclass
class Archive:
    """The archive in a temporary file, and what went into it."""

    handle: IO[bytes]
    file_name: str
    areas: list[str]
    files: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def readme(
    person: Person,
    *,
    collectors: list[Collector],
    files: list[str],
    missing: list[str],
    exported_at: dt.datetime,
    reason: str,
) -> str:
    """The README.txt: what the archive is, each file in it, and the querysets behind it."""
    lines = [
        "Healthlead: personal data held about one person",
        "================================================",
        "",
        f"Staff number: {person.staff_number}",
        f"Exported: {exported_at.isoformat(timespec='seconds')}",
        f"Reason given for the export: {reason}",
        "",
        "This archive holds everything Healthlead keeps about this person, one JSON file per",
        "area, and copies of the files they uploaded. Dates and times are ISO 8601 (UTC unless",
        "an offset is shown). Codes (such as staff groups, grades and states) are as stored.",
        "",
        "What is not here, and why: who gave 360 feedback and their individual answers (only the",
        "frozen report, as the person may see it once released); individual selection panel",
        "members' scores (the moderated result is included); password hashes and sign-in",
        "secrets; records that belong to other people (for example, appraisals this person",
        "holds as an appraiser).",
        "",
        "Files",
        "-----",
    ]
    for collector in collectors:
        lines += ["", f"{collector.file_name}: {collector.title}", f"  {collector.description}"]
        lines.append("  Read from:")
        lines += [f"    {source}" for source in collector.sources]
    lines += ["", "files/: uploaded files, named <record id>-<file name>"]
    lines += [f"  {name}" for name in files] or ["  (none)"]
    if missing:
        lines += ["", "Files recorded but no longer in storage (not included):"]
        lines += [f"  {name}" for name in missing]
    lines.append("")
    return "\n".join(lines)


def _copy_file(zf: zipfile.ZipFile, item: ArchiveFile) -> bool:
    """Copy one stored file into the archive; False if it is missing or not what was stored."""
    try:
        with default_storage.open(item.stored_path, "rb") as source:
            content = source.read()
    except (FileNotFoundError, OSError):
        logger.warning("Stored file %s is missing", item.stored_path)
        return False
    if item.sha256 and hashlib.sha256(content).hexdigest() != item.sha256:
        logger.warning("Stored file %s does not match its hash", item.stored_path)
        return False
    zf.writestr(item.path, content)
    return True


def build_archive(person: Person, *, exported_at: dt.datetime, reason: str) -> Archive:
    """Run every registered collector and write the ZIP to a temporary file."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (returned to the caller, who closes it)
    collectors = list(COLLECTORS.values())
    archive = Archive(
        handle=handle,
        file_name=safe_name(
            f"healthlead-personal-data-{person.staff_number}-{exported_at:%Y%m%d}.zip"
        ),
        areas=[c.key for c in collectors],
    )
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for collector in collectors:
            section = collector.collect(person)
            zf.writestr(collector.file_name, to_json(section.data))
            for item in section.files:
                if _copy_file(zf, item):
                    archive.files.append(item.path)
                else:
                    archive.missing.append(item.path)
        zf.writestr(
            "README.txt",
            readme(
                person,
                collectors=collectors,
                files=archive.files,
                missing=archive.missing,
                exported_at=exported_at,
                reason=reason,
            ),
        )
    handle.seek(0)
    return archive
