"""Every write to frameworks: loading, drafting, editing, publishing and importing.

A published version is immutable: every edit action refuses one with a clear message,
and changing published content means creating a new draft version and publishing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.frameworks import case, identifiers, queries
from healthlead.frameworks.errors import FrameworkError
from healthlead.frameworks.models import (
    Crosswalk,
    Domain,
    Element,
    Framework,
    FrameworkVersion,
    Indicator,
    Stage,
)
from healthlead.frameworks.spec import (
    CAREER_STAGES,
    VERSION_LABEL,
    CrosswalkSpec,
    FrameworkSpec,
    VersionSpec,
    spec_from_data,
    spec_from_version,
    with_path_identifiers,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
PUBLISHED = FrameworkVersion.State.PUBLISHED
DRAFT = FrameworkVersion.State.DRAFT

__all__ = [
    "FrameworkError",
    "ImportOutcome",
    "LoadOutcome",
    "create_draft_version",
    "edit_domain",
    "edit_element",
    "edit_indicator",
    "edit_stage",
    "import_case_package",
    "load_frameworks",
    "publish_version",
]


@dataclass(frozen=True)
class LoadOutcome:
    code: str
    version: str
    created: bool
    counts: dict[str, int]


@dataclass(frozen=True)
class ImportOutcome:
    version: FrameworkVersion
    created: bool


def _now() -> dt.datetime:
    # Whole seconds: CASE timestamps round-trip exactly.
    return timezone.now().replace(microsecond=0)


# Writing a spec -----------------------------------------------------------------------------

_FRAMEWORK_FIELDS = (
    "name",
    "publisher",
    "audience",
    "description",
    "status",
    "domain_term",
    "element_term",
)


def _create_framework(spec: FrameworkSpec) -> Framework:
    return Framework.objects.create(
        code=spec.code,
        case_uuid=identifiers.node_uuid(spec.code),
        **{name: getattr(spec, name) for name in _FRAMEWORK_FIELDS},
    )


def _write_crosswalks(
    version: FrameworkVersion,
    crosswalks: Iterable[CrosswalkSpec],
    elements: Mapping[tuple[str, str], Element],
    *,
    targets_required: bool,
) -> None:
    crosswalks = list(crosswalks)
    wanted = [
        parsed
        for parsed in (identifiers.parse_uuid(c.target_identifier) for c in crosswalks)
        if parsed is not None
    ]
    targets = {str(e.case_uuid): e for e in Element.objects.filter(case_uuid__in=wanted)}
    for spec in crosswalks:
        source = elements[(spec.source_domain, spec.source_element)]
        target = targets.get(spec.target_identifier)
        if target is None and targets_required:
            target_name = spec.target_title or spec.target_identifier
            raise FrameworkError(
                f"{version.framework.code} {version.version}: element "
                f"{spec.source_domain}.{spec.source_element} links to {target_name}, "
                "which is not loaded."
            )
        if target is not None and target.pk == source.pk:
            raise FrameworkError(
                f"Element {spec.source_domain}.{spec.source_element} cannot link to itself."
            )
        Crosswalk.objects.create(
            source=source,
            target=target,
            target_identifier=spec.target_identifier,
            target_uri=case.case_uri("CFItems", target.case_uuid) if target else spec.target_uri,
            target_title=target.name if target else spec.target_title,
            kind=spec.kind,
            case_uuid=spec.case_uuid,
        )


def _write_version(
    spec: VersionSpec, framework: Framework, *, targets_required: bool
) -> FrameworkVersion:
    """Create a version and everything in it from a spec (the caller has checked it)."""
    version = FrameworkVersion.objects.create(
        framework=framework,
        version=spec.version,
        state=spec.state,
        published_on=spec.published_on,
        published_at=spec.published_at,
        last_changed_at=spec.last_changed_at,
        scale=list(spec.scale),
        notes=spec.notes,
        case_uuid=spec.case_uuid,
    )
    stages = {
        s.code: Stage.objects.create(
            version=version,
            code=s.code,
            name=s.name,
            description=s.description,
            order=s.order,
            career_stages=list(s.career_stages),
            confirmed=s.confirmed,
            case_uuid=s.case_uuid,
        )
        for s in spec.stages
    }
    elements: dict[tuple[str, str], Element] = {}
    indicators: list[Indicator] = []
    for d in spec.domains:
        domain = Domain.objects.create(
            version=version,
            code=d.code,
            name=d.name,
            description=d.description,
            is_core=d.is_core,
            order=d.order,
            case_uuid=d.case_uuid,
            link_uuid=d.link_uuid,
        )
        for e in d.elements:
            element = Element.objects.create(
                domain=domain,
                code=e.code,
                name=e.name,
                description=e.description,
                order=e.order,
                expected_by=stages[e.expected_by] if e.expected_by else None,
                case_uuid=e.case_uuid,
                link_uuid=e.link_uuid,
            )
            elements[(d.code, e.code)] = element
            indicators += [
                Indicator(
                    element=element,
                    code=i.code,
                    text=i.text,
                    level=i.level,
                    order=i.order,
                    case_uuid=i.case_uuid,
                    link_uuid=i.link_uuid,
                )
                for i in e.indicators
            ]
    Indicator.objects.bulk_create(indicators)
    _write_crosswalks(version, spec.crosswalks, elements, targets_required=targets_required)
    # Links from elsewhere that were waiting for these elements now point at them.
    by_identifier = {str(e.case_uuid): e for e in elements.values()}
    for crosswalk in Crosswalk.objects.filter(
        target__isnull=True, target_identifier__in=list(by_identifier)
    ):
        crosswalk.target = by_identifier[crosswalk.target_identifier]
        crosswalk.save(update_fields=["target"])
    return version


def _identifier_clashes(spec: VersionSpec) -> list[str]:
    """Identifiers in the spec that are used twice, or already used in the database."""
    found = spec.all_identifiers()
    problems = []
    if len(set(found)) != len(found):
        problems.append("The package uses the same identifier for two different things.")
    checks: list[tuple[Any, str]] = [
        (FrameworkVersion, "case_uuid"),
        (Stage, "case_uuid"),
        (Domain, "case_uuid"),
        (Domain, "link_uuid"),
        (Element, "case_uuid"),
        (Element, "link_uuid"),
        (Indicator, "case_uuid"),
        (Indicator, "link_uuid"),
        (Crosswalk, "case_uuid"),
    ]
    for model, field in checks:
        used = model.objects.filter(**{f"{field}__in": found}).values_list(field, flat=True)
        for identifier in sorted(str(u) for u in used)[:10]:
            problems.append(f"Identifier {identifier} is already used in Healthlead.")
    return problems


# Loading the shipped frameworks -------------------------------------------------------------


def _read_data(data_dir: Path) -> list[VersionSpec]:
    specs = []
    for path in sorted(data_dir.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise FrameworkError(f"{path.name} is not valid YAML: {error}") from None
        specs.append(spec_from_data(data, path.name))
    codes = [s.framework.code for s in specs]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise FrameworkError(f"Framework code {', '.join(duplicated)} is in more than one file.")
    return specs


@transaction.atomic
def load_frameworks(*, by: Actor, data_dir: Path = DATA_DIR) -> list[LoadOutcome]:
    """Load the framework data files. Idempotent: a second run changes nothing.

    A version already loaded must match its file exactly: published versions never change.
    """
    specs = _read_data(data_dir)
    outcomes: list[LoadOutcome] = []
    created: list[tuple[FrameworkVersion, VersionSpec]] = []
    for spec in specs:
        framework = Framework.objects.filter(code=spec.framework.code).first()
        if framework is None:
            framework = _create_framework(spec.framework)
            audit.record("frameworks.framework.created", by=by, target=framework)
        else:
            changes = {
                name: getattr(spec.framework, name)
                for name in _FRAMEWORK_FIELDS
                if getattr(framework, name) != getattr(spec.framework, name)
            }
            if changes:
                Framework.objects.filter(pk=framework.pk).update(**changes)
                audit.record(
                    "frameworks.framework.updated",
                    by=by,
                    target=framework,
                    detail={"fields": sorted(changes)},
                )
        existing = framework.versions.filter(version=spec.version).first()
        if existing is not None:
            stored = spec_from_version(queries.version_tree(existing.pk))
            if not stored.same_content(spec):
                raise FrameworkError(
                    f"{framework.code} version {spec.version} is already loaded and differs from "
                    "its data file. Published versions cannot change: give the changed content a "
                    "new version in the file."
                )
            outcomes.append(LoadOutcome(framework.code, spec.version, False, spec.counts))
            continue
        clashes = _identifier_clashes(spec)
        if clashes:
            raise FrameworkError(f"{framework.code} {spec.version} cannot be loaded.", clashes)
        version = _write_version(replace(spec, crosswalks=[]), framework, targets_required=True)
        created.append((version, spec))
        audit.record(
            "frameworks.version.loaded",
            by=by,
            target=version,
            detail={"framework": framework.code, "version": spec.version, **spec.counts},
        )
        outcomes.append(LoadOutcome(framework.code, spec.version, True, spec.counts))
    # Crosswalks and successors once every framework is in.
    for version, spec in created:
        elements = {
            (e.domain.code, e.code): e
            for e in Element.objects.select_related("domain").filter(domain__version=version)
        }
        _write_crosswalks(version, spec.crosswalks, elements, targets_required=True)
    for spec in specs:
        successor_code = spec.framework.superseded_by
        successor = None
        if successor_code:
            successor = Framework.objects.filter(code=successor_code).first()
            if successor is None:
                raise FrameworkError(
                    f"{spec.framework.code} is superseded by {successor_code}, which is not loaded."
                )
        framework = Framework.objects.get(code=spec.framework.code)
        if framework.superseded_by_id != (successor.pk if successor else None):
            framework.superseded_by = successor
            framework.save(update_fields=["superseded_by"])
            audit.record(
                "frameworks.framework.updated",
                by=by,
                target=framework,
                detail={"fields": ["superseded_by"]},
            )
    return outcomes


# Drafts, edits and publishing ---------------------------------------------------------------


def _locked(version: FrameworkVersion) -> FrameworkVersion:
    return (
        FrameworkVersion.objects.select_for_update().select_related("framework").get(pk=version.pk)
    )


def _require_draft(version: FrameworkVersion) -> FrameworkVersion:
    locked = _locked(version)
    if locked.is_published:
        raise FrameworkError(
            f"Version {locked.version} of {locked.framework.name} is published and cannot be "
            "changed. Create a new draft version to make changes."
        )
    return locked


def _touch(version: FrameworkVersion) -> None:
    FrameworkVersion.objects.filter(pk=version.pk).update(last_changed_at=_now())


def _required_text(value: str, what: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise FrameworkError(f"Enter the {what}.")
    if limit is not None and len(value) > limit:
        raise FrameworkError(f"The {what} must be {limit} characters or fewer.")
    return value


@transaction.atomic
def create_draft_version(*, version: FrameworkVersion, label: str, by: Actor) -> FrameworkVersion:
    """Copy a published version into a new draft, with new identifiers from the new version."""
    label = (label or "").strip()
    framework = version.framework
    if not VERSION_LABEL.match(label):
        raise FrameworkError(
            "Enter a version name of up to 20 letters, digits, dots or hyphens, like 2011.1."
        )
    if not version.is_published:
        raise FrameworkError("A new draft can only be made from a published version.")
    if framework.versions.filter(version=label).exists():
        raise FrameworkError(f"{framework.name} already has a version {label}.")
    existing_draft = queries.draft_of(framework)
    if existing_draft is not None:
        raise FrameworkError(
            f"{framework.name} already has a draft, version {existing_draft.version}. "
            "Publish it before starting another."
        )
    source = spec_from_version(queries.version_tree(version.pk))
    spec = with_path_identifiers(
        replace(
            source,
            version=label,
            state=DRAFT,
            published_at=None,
            published_on=None,
            last_changed_at=_now(),
        )
    )
    clashes = _identifier_clashes(spec)
    if clashes:
        raise FrameworkError(f"Version {label} cannot be created.", clashes)
    draft = _write_version(spec, framework, targets_required=False)
    audit.record(
        "frameworks.version.drafted",
        by=by,
        target=draft,
        detail={"framework": framework.code, "from": version.version, "version": label},
    )
    return draft


@transaction.atomic
def edit_domain(*, domain: Domain, name: str, description: str, by: Actor) -> Domain:
    """Change a draft domain's name and description."""
    version = _require_draft(domain.version)
    domain.name = _required_text(name, "name", 200)
    domain.description = (description or "").strip()
    domain.save(update_fields=["name", "description"])
    _touch(version)
    audit.record("frameworks.domain.edited", by=by, target=domain)
    return domain


@transaction.atomic
def edit_element(
    *,
    element: Element,
    name: str,
    description: str,
    indicator_texts: Mapping[int, str] | None = None,
    by: Actor,
) -> Element:
    """Change a draft element's name, description and the text of its indicators."""
    version = _require_draft(element.domain.version)
    element.name = _required_text(name, "element name", 200)
    element.description = (description or "").strip()
    element.save(update_fields=["name", "description"])
    changed = []
    indicators = {i.pk: i for i in element.indicators.all()}
    for pk, text in (indicator_texts or {}).items():
        if pk not in indicators:
            raise FrameworkError("An indicator to change is not part of this element.")
        indicator = indicators[pk]
        new_text = _required_text(text, f"text of indicator {indicator.code}")
        if new_text != indicator.text:
            indicator.text = new_text
            indicator.save(update_fields=["text"])
            changed.append(indicator.code)
    _touch(version)
    audit.record("frameworks.element.edited", by=by, target=element, detail={"indicators": changed})
    return element


@transaction.atomic
def edit_indicator(
    *, indicator: Indicator, text: str, level: str | None = None, by: Actor
) -> Indicator:
    """Change a draft indicator's text, and its level on the version's scale."""
    version = _require_draft(indicator.element.domain.version)
    indicator.text = _required_text(text, "indicator text")
    if level is not None:
        level = level.strip()
        if level and level not in (version.scale or []):
            raise FrameworkError(f"{level} is not a level on this version's scale.")
        indicator.level = level
    indicator.save(update_fields=["text", "level"])
    _touch(version)
    audit.record("frameworks.indicator.edited", by=by, target=indicator)
    return indicator


@transaction.atomic
def edit_stage(
    *, stage: Stage, name: str, description: str, career_stages: list[str], by: Actor
) -> Stage:
    """Change a draft stage, including which career stages it covers."""
    version = _require_draft(stage.version)
    unknown = [c for c in career_stages if c not in CAREER_STAGES]
    if unknown:
        raise FrameworkError(f"Unknown career stage: {', '.join(unknown)}.")
    stage.name = _required_text(name, "stage name", 200)
    stage.description = (description or "").strip()
    stage.career_stages = list(dict.fromkeys(career_stages))
    stage.save(update_fields=["name", "description", "career_stages"])
    _touch(version)
    audit.record("frameworks.stage.edited", by=by, target=stage)
    return stage


@transaction.atomic
def publish_version(*, version: FrameworkVersion, by: Actor) -> FrameworkVersion:
    """Publish a draft. From then on it cannot change."""
    locked = _locked(version)
    if locked.is_published:
        raise FrameworkError(
            f"Version {locked.version} of {locked.framework.name} is already published."
        )
    if not locked.domains.exists():
        raise FrameworkError("A version needs at least one domain before it can be published.")
    now = _now()
    locked.state = PUBLISHED
    locked.published_at = now
    locked.last_changed_at = now
    locked.save(update_fields=["state", "published_at", "last_changed_at"])
    audit.record(
        "frameworks.version.published",
        by=by,
        target=locked,
        detail={"framework": locked.framework.code, "version": locked.version},
    )
    return locked


# Importing a CASE package -------------------------------------------------------------------


@transaction.atomic
def import_case_package(*, package: Any, by: Actor, code: str | None = None) -> ImportOutcome:
    """Add the version in a CASE CFPackage, checking everything first: all or nothing.

    Re-importing a package that is already here, unchanged, changes nothing.
    """
    spec = case.spec_from_package(package, code=code or None)
    existing = (
        FrameworkVersion.objects.select_related("framework")
        .filter(case_uuid=spec.case_uuid)
        .first()
    )
    if existing is not None:
        stored = spec_from_version(queries.version_tree(existing.pk))
        if existing.framework.code == spec.framework.code and stored.same_content(spec):
            return ImportOutcome(existing, created=False)
        raise FrameworkError(
            f"This package is already in Healthlead as version {existing.version} of "
            f"{existing.framework.name}, with different content. Published versions cannot be "
            "changed: export the changes as a new version with its own identifier."
        )
    framework = Framework.objects.filter(code=spec.framework.code).first()
    problems = []
    if framework is not None:
        if framework.versions.filter(version=spec.version).exists():
            problems.append(
                f"{framework.name} already has a version {spec.version}. "
                "Give the package a different version."
            )
        draft = queries.draft_of(framework)
        if spec.state == DRAFT and draft is not None:
            problems.append(
                f"{framework.name} already has a draft, version {draft.version}. "
                "Publish it before importing another draft."
            )
    problems += _identifier_clashes(spec)
    if problems:
        raise FrameworkError("The package cannot be imported.", problems)
    if framework is None:
        framework = _create_framework(spec.framework)
        audit.record("frameworks.framework.created", by=by, target=framework)
    version = _write_version(spec, framework, targets_required=False)
    audit.record(
        "frameworks.version.imported",
        by=by,
        target=version,
        detail={"framework": framework.code, "version": spec.version, **spec.counts},
    )
    return ImportOutcome(version, created=True)
