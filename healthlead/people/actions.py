"""Every write to regions, organisations, staff records, partners and equality answers."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.people.models import (
    EqualityAnswers,
    Organisation,
    Partner,
    Person,
    Region,
    RegionSet,
)

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
        frontier = list(Person.objects.filter(pk__in=root_ids).values_list("pk", "manager_path"))
    seen: set[int] = set()
    while frontier:
        paths = {pk: f"{path or '/'}{pk}/" for pk, path in frontier}
        seen.update(paths)
        children = list(
            Person.objects.filter(line_manager_id__in=list(paths)).values_list(
                "pk", "line_manager_id", "manager_path"
            )
        )
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
