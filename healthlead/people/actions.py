"""Every write to regions, organisations, staff records, partners and equality answers."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.people import staff_import as staff_file
from healthlead.people.models import (
    EqualityAnswers,
    Organisation,
    Partner,
    Person,
    Region,
    RegionSet,
    StaffImport,
)

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_FILE = DATA_DIR / "regions.yaml"
ODS_TRUSTS_FILE = DATA_DIR / "ods" / "etr.csv"


@transaction.atomic
def load_regions(*, by: Actor, path: Path = REGIONS_FILE) -> dict[str, int]:
    """Create or update every region set and region in the regions file."""
    data = yaml.safe_load(path.read_text())
    counts = {"sets": 0, "regions": 0}
    for set_data in data["sets"]:
        region_set, _ = RegionSet.objects.update_or_create(
            code=set_data["code"], defaults={"name": set_data["name"]}
        )
        counts["sets"] += 1
        for region_data in set_data["regions"]:
            Region.objects.update_or_create(
                region_set=region_set,
                code=region_data["code"],
                defaults={"name": region_data["name"]},
            )
            counts["regions"] += 1
    audit.record("people.regions.loaded", by=by, detail=counts)
    return counts


def _region_lookup(set_code: str) -> dict[str, Region]:
    """ODS region code (Y56...) -> region in the chosen set."""
    data = yaml.safe_load(REGIONS_FILE.read_text())
    regions = {r.code: r for r in Region.objects.filter(region_set__code=set_code)}
    if not regions:
        raise ValueError(f"Region set {set_code!r} is not loaded. Run manage.py load_regions.")
    lookup: dict[str, Region] = {}
    for set_data in data["sets"]:
        if set_data["code"] != set_code:
            continue
        for region_data in set_data["regions"]:
            for ods_code in region_data.get("contains", [region_data["code"]]):
                lookup[ods_code] = regions[region_data["code"]]
    return lookup


def _ods_date(value: str) -> dt.date | None:
    value = value.strip()
    return dt.datetime.strptime(value, "%Y%m%d").date() if value else None


@dataclass(frozen=True)
class OdsResult:
    created: int
    updated: int
    skipped_closed: int
    skipped_outside_england: int


@transaction.atomic
def load_ods_trusts(
    *,
    by: Actor,
    path: Path = ODS_TRUSTS_FILE,
    include_closed: bool = False,
    region_set: str | None = None,
) -> OdsResult:
    """Load NHS trusts from an ODS etr file (no header row; see docs/data-sources.md)."""
    lookup = _region_lookup(region_set or settings.HEALTHLEAD_REGION_SET)
    today = timezone.localdate()
    existing = {o.code: o for o in Organisation.objects.filter(kind=Organisation.Kind.TRUST)}
    created = updated = skipped_closed = skipped_outside = 0
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if len(row) < 12:
                continue
            code, name, region_code, _icb, postcode = row[0], row[1], row[2], row[3], row[9]
            opened, closed = _ods_date(row[10]), _ods_date(row[11])
            if closed is not None and closed <= today and not include_closed:
                skipped_closed += 1
                continue
            region = lookup.get(region_code)
            if region is None:
                skipped_outside += 1
                continue
            values = {
                "name": name.strip(),
                "kind": Organisation.Kind.TRUST,
                "region": region,
                "postcode": postcode.strip(),
                "opened_on": opened,
                "closed_on": closed,
            }
            org = existing.get(code)
            if org is None:
                Organisation.objects.create(code=code, **values)
                created += 1
            else:
                changed = [k for k, v in values.items() if getattr(org, k) != v]
                if changed:
                    for key in changed:
                        setattr(org, key, values[key])
                    org.save(update_fields=changed)
                    updated += 1
    result = OdsResult(created, updated, skipped_closed, skipped_outside)
    audit.record("people.organisations.loaded", by=by, detail=result.__dict__)
    return result


@transaction.atomic
def create_organisation(
    *,
    code: str,
    name: str,
    kind: str,
    by: Actor,
    region: Region | None = None,
    parent: Organisation | None = None,
) -> Organisation:
    """Add an organisation that is not in the ODS trust file (an ICB, a provider...)."""
    org = Organisation(code=code, name=name, kind=kind, region=region, parent=parent)
    org.full_clean()
    org.save()
    audit.record("people.organisation.created", by=by, target=org, detail={"code": code})
    return org


def manager_path_for(line_manager: Person | None) -> str:
    """The manager_path of someone reporting to line_manager."""
    return "" if line_manager is None else line_manager.team_path


@transaction.atomic
def create_person(*, by: Actor, line_manager: Person | None = None, **fields: Any) -> Person:
    """Add one staff record (imports use the bulk path in staff_import)."""
    person = Person(
        line_manager=line_manager, manager_path=manager_path_for(line_manager), **fields
    )
    person.full_clean()
    person.save()
    audit.record(
        "people.person.created", by=by, target=person, detail={"staff_number": person.staff_number}
    )
    return person


def rebuild_manager_paths(root_ids: list[int] | None = None) -> int:
    """Recompute manager_path for everyone (or everyone below root_ids), level by level.

    Runs a fixed number of queries per level of the management tree.
    """
    updated = 0
    if root_ids is None:
        Person.objects.filter(line_manager__isnull=True).exclude(manager_path="").update(
            manager_path=""
        )
        frontier = list(
            Person.objects.filter(line_manager__isnull=True).values_list("pk", "manager_path")
        )
    else:
        # In batches: SQLite and PostgreSQL both cap the parameters of one query.
        frontier = [
            row
            for chunk in staff_file.chunks(sorted(set(root_ids)), staff_file.in_batch_size())
            for row in Person.objects.filter(pk__in=chunk).values_list("pk", "manager_path")
        ]
    seen: set[int] = set()
    while frontier:
        paths = {pk: f"{path or '/'}{pk}/" for pk, path in frontier}
        seen.update(paths)
        children = [
            row
            for chunk in staff_file.chunks(list(paths), staff_file.in_batch_size())
            for row in Person.objects.filter(line_manager_id__in=chunk).values_list(
                "pk", "line_manager_id", "manager_path"
            )
        ]
        changed = [
            Person(pk=pk, manager_path=paths[manager_id])
            for pk, manager_id, path in children
            if path != paths[manager_id] and pk not in seen
        ]
        if changed:
            Person.objects.bulk_update(changed, ["manager_path"], batch_size=2000)
            updated += len(changed)
        frontier = [(pk, paths[manager_id]) for pk, manager_id, _ in children if pk not in seen]
    return updated


@transaction.atomic
def create_partner(
    *, by: Actor, consent: bool, consent_text_version: str = "1", **fields: Any
) -> Partner:
    """Register a patient or public partner; consent is recorded with its wording's version."""
    partner = Partner(**fields)
    if consent:
        partner.consent_given_at = timezone.now()
        partner.consent_text_version = consent_text_version
    partner.full_clean()
    partner.save()
    audit.record("people.partner.created", by=by, target=partner, detail={"consent": consent})
    return partner


@transaction.atomic
def withdraw_partner_consent(*, partner: Partner, by: Actor) -> Partner:
    """A partner withdraws consent: they are no longer asked to take part."""
    partner.consent_withdrawn_at = timezone.now()
    partner.status = Partner.Status.WITHDRAWN
    partner.save(update_fields=["consent_withdrawn_at", "status"])
    audit.record("people.partner.consent_withdrawn", by=by, target=partner)
    return partner


@transaction.atomic
def record_equality_answers(
    *, person: Person, by: Actor, sex: str = "", ethnicity: str = "", disability: str = ""
) -> EqualityAnswers:
    """Save a person's voluntary equality answers (the audit holds no answer values)."""
    answers, _ = EqualityAnswers.objects.update_or_create(
        person=person,
        defaults={
            "sex": sex,
            "ethnicity": ethnicity,
            "disability": disability,
            "answered_at": timezone.now(),
        },
    )
    answers.full_clean()
    audit.record("people.equality.recorded", by=by, target=person)
    return answers


# ---------------------------------------------------------------------------
# Staff import: checking and applying are in staff_import.py; these record each step.

STAFF_IMPORT_DIR = "staff-imports"
FIRST_PROBLEMS_KEPT = 100  # on the record, for the result page; the report holds them all
_STAFF_IMPORT_LOCK = 7_246_581_101  # PostgreSQL advisory lock: one staff import at a time


class StaffImportError(Exception):
    """A staff import cannot go on; the message says why in plain English."""


@dataclass(frozen=True)
class StaffImportResult:
    """What importing a file did: its problems (and nothing written), or its counts."""

    check: staff_file.CheckResult
    counts: staff_file.ImportCounts | None

    @property
    def applied(self) -> bool:
        return self.counts is not None


@transaction.atomic
def import_staff_file(
    *,
    data: bytes,
    file_name: str,
    by: Actor,
    scope: staff_file.OrganisationScope | None = None,
    mark_missing_left: bool = False,
    staff_import: StaffImport | None = None,
) -> StaffImportResult:
    """Check a staff file and, if it has no problems, apply it all or nothing.

    One audit event for the whole file (its counts and sha256), not one per row. Imports
    take turns: on PostgreSQL an advisory lock, on SQLite the write lock of the transaction.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_STAFF_IMPORT_LOCK])
    checked = staff_file.check(data, scope=scope, mark_missing_left=mark_missing_left)
    if not checked.ok:
        return StaffImportResult(checked, None)
    counts = staff_file.apply(checked, mark_missing_left=mark_missing_left)
    codes = sorted(
        Organisation.objects.filter(pk__in=sorted(checked.organisation_ids)).values_list(
            "code", flat=True
        )
    )
    audit.record(
        "people.staff.imported",
        by=by,
        target=staff_import,
        detail={
            "file_name": file_name,
            "sha256": checked.sha256,
            "rows": checked.row_count,
            "organisations": codes,
            "mark_missing_left": mark_missing_left,
            **counts.as_dict(),
        },
    )
    return StaffImportResult(checked, counts)


@transaction.atomic
def start_staff_import(
    *, upload: File, by: Actor, commit: bool, mark_missing_left: bool = False
) -> StaffImport:
    """Keep an uploaded staff file under a random name, ready to be checked (and imported)."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = default_storage.save(f"{STAFF_IMPORT_DIR}/{secrets.token_hex(16)}.csv", upload)
    staff_import = StaffImport.objects.create(
        file_name=staff_file.clean_file_name(upload.name or ""),
        stored_path=stored,
        sha256=digest.hexdigest(),
        commit=commit,
        mark_missing_as_left=mark_missing_left,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
        message="Waiting to start",
    )
    audit.record(
        "people.staff_import.uploaded",
        by=by,
        target=staff_import,
        detail={
            "file_name": staff_import.file_name,
            "sha256": staff_import.sha256,
            "bytes": upload.size,
            "import": commit,
            "mark_missing_left": mark_missing_left,
        },
    )
    return staff_import


def check_staff_import(*, staff_import: StaffImport, by: Actor) -> StaffImport:
    """Check an uploaded file and record what was found. Writes no staff records.

    Not one transaction: progress is committed as the check goes, so the progress page
    can show it; the outcome is stored in one transaction at the end.
    """
    share = 50 if staff_import.commit else 100

    def progress(percent: int, label: str) -> None:
        _record_progress(staff_import, max(1, percent * share // 100), label)

    _record_progress(staff_import, 1, "Reading the file", state=StaffImport.State.VALIDATING)
    data = _stored_file(staff_import)
    checked = staff_file.check(
        data,
        scope=_scope_of(staff_import),
        mark_missing_left=staff_import.mark_missing_as_left,
        progress=progress,
    )
    with transaction.atomic():
        _record_outcome(staff_import, checked)
        staff_import.save()
        audit.record(
            "people.staff_import.checked",
            by=by,
            target=staff_import,
            detail={
                "sha256": checked.sha256,
                "rows": checked.row_count,
                "problems": len(checked.problems),
            },
        )
    if not checked.ok:
        _discard_upload(staff_import)
    return staff_import


@transaction.atomic
def confirm_staff_import(
    *, staff_import: StaffImport, by: Actor, mark_missing_left: bool
) -> StaffImport:
    """Ask for a checked file with no problems to be imported."""
    if staff_import.state != StaffImport.State.VALID or staff_import.commit:
        raise StaffImportError("Only a checked file with no problems can be imported.")
    staff_import.commit = True
    staff_import.mark_missing_as_left = mark_missing_left
    staff_import.progress = 50
    staff_import.message = "Waiting to import"
    staff_import.save(update_fields=["commit", "mark_missing_as_left", "progress", "message"])
    audit.record(
        "people.staff_import.confirmed",
        by=by,
        target=staff_import,
        detail={"sha256": staff_import.sha256, "mark_missing_left": mark_missing_left},
    )
    return staff_import


def apply_staff_import(*, staff_import: StaffImport, by: Actor) -> StaffImport:
    """Import a checked file all or nothing. Does nothing if it has been imported already.

    The file is checked again inside the import's transaction, because staff records may
    have changed since the first check; new problems stop the import with nothing written.
    """
    if staff_import.state == StaffImport.State.APPLIED:
        return staff_import
    if staff_import.state not in {StaffImport.State.VALID, StaffImport.State.APPLYING}:
        raise StaffImportError("Only a checked file with no problems can be imported.")
    label = f"Importing {staff_import.row_count:,} staff records"
    _record_progress(staff_import, 60, label, state=StaffImport.State.APPLYING)
    data = _stored_file(staff_import)
    with transaction.atomic():
        locked = StaffImport.objects.select_for_update().get(pk=staff_import.pk)
        if locked.state == StaffImport.State.APPLIED:
            return locked
        result = import_staff_file(
            data=data,
            file_name=locked.file_name,
            by=by,
            scope=_scope_of(locked),
            mark_missing_left=locked.mark_missing_as_left,
            staff_import=locked,
        )
        _record_outcome(locked, result.check, counts=result.counts)
        locked.save()
    _discard_upload(locked)
    return locked


@transaction.atomic
def fail_staff_import(*, staff_import: StaffImport, by: Actor, message: str) -> StaffImport:
    """Record that a check or import stopped part way; nothing from it was written."""
    staff_import.state = StaffImport.State.FAILED
    staff_import.message = message[:300]
    staff_import.finished_at = timezone.now()
    staff_import.save(update_fields=["state", "message", "finished_at"])
    audit.record(
        "people.staff_import.failed", by=by, target=staff_import, detail={"message": message}
    )
    return staff_import


def _record_progress(
    staff_import: StaffImport, percent: int, message: str, *, state: str | None = None
) -> None:
    """Show how far a check or import has gone. Not audited: it changes no one's data."""
    fields: dict[str, Any] = {"progress": min(100, percent), "message": message[:300]}
    if state is not None:
        fields["state"] = state
    StaffImport.objects.filter(pk=staff_import.pk).update(**fields)
    for name, value in fields.items():
        setattr(staff_import, name, value)


def _record_outcome(
    staff_import: StaffImport,
    checked: staff_file.CheckResult,
    *,
    counts: staff_file.ImportCounts | None = None,
) -> None:
    """Put a check's (or an import's) outcome on the record; the caller saves it."""
    problems = checked.problems
    staff_import.row_count = checked.row_count
    staff_import.problem_count = len(problems)
    staff_import.problems = [p.as_dict() for p in problems[:FIRST_PROBLEMS_KEPT]]
    staff_import.problems_path = _save_problem_report(problems) if problems else ""
    if len(checked.organisation_ids) == 1:
        staff_import.organisation_id = next(iter(checked.organisation_ids))
    now = timezone.now()
    if problems:
        staff_import.state = StaffImport.State.INVALID
        staff_import.progress = 100
        staff_import.message = "The file has problems. Nothing was imported."
        staff_import.finished_at = now
    elif counts is not None:
        staff_import.state = StaffImport.State.APPLIED
        staff_import.counts = counts.as_dict()
        staff_import.progress = 100
        staff_import.message = "Imported"
        staff_import.finished_at = now
    else:
        staff_import.state = StaffImport.State.VALID
        if staff_import.commit:
            staff_import.progress = 50
            staff_import.message = "Checked: waiting to import"
        else:
            staff_import.progress = 100
            staff_import.message = "Checked: no problems found"
            staff_import.finished_at = now


def _scope_of(staff_import: StaffImport) -> staff_file.OrganisationScope | None:
    """Whose organisations the uploader may import, as their roles stand now."""
    from healthlead.accounts.scope import build_scope

    if staff_import.uploaded_by is None:
        return None
    scope = build_scope(staff_import.uploaded_by)
    return None if scope.national else scope


def _stored_file(staff_import: StaffImport) -> bytes:
    if not staff_import.stored_path or not default_storage.exists(staff_import.stored_path):
        raise StaffImportError("The uploaded file is no longer kept. Upload it again.")
    with default_storage.open(staff_import.stored_path, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != staff_import.sha256:
        raise StaffImportError("The kept file is not the file that was uploaded. Upload it again.")
    return data


def _save_problem_report(problems: list[staff_file.Problem]) -> str:
    handle = io.StringIO()
    staff_file.write_problem_report(problems, handle)
    # A byte order mark tells spreadsheets the report is UTF-8.
    content = ContentFile(handle.getvalue().encode("utf-8-sig"))
    return default_storage.save(f"{STAFF_IMPORT_DIR}/{secrets.token_hex(16)}-problems.csv", content)


def _discard_upload(staff_import: StaffImport) -> None:
    """Staff files are personal data: keep one only while it may still be imported."""
    if not staff_import.stored_path:
        return
    try:
        default_storage.delete(staff_import.stored_path)
    except OSError:
        logger.warning("Could not delete staff import file %s", staff_import.stored_path)
        return
    StaffImport.objects.filter(pk=staff_import.pk).update(stored_path="")
    staff_import.stored_path = ""
