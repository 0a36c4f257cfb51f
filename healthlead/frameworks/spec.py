"""A framework version held in memory, whatever it came from.

The data files, a CASE package and a version already in the database all become a
`VersionSpec`; one action writes a spec to the database, and comparing two specs tells
whether a load would change anything.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from healthlead.frameworks import identifiers
from healthlead.frameworks.errors import FrameworkError
from healthlead.frameworks.models import Crosswalk, Framework, FrameworkVersion
from healthlead.people.models import CareerStage

VERSION_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
FRAMEWORK_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$")
NODE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
CAREER_STAGES = {value for value, _ in CareerStage.choices}
_PLACEHOLDER = uuid.UUID(int=0)


@dataclass
class IndicatorSpec:
    code: str
    text: str
    level: str = ""
    order: int = 0
    case_uuid: uuid.UUID = _PLACEHOLDER
    link_uuid: uuid.UUID = _PLACEHOLDER


@dataclass
class ElementSpec:
    code: str
    name: str
    description: str = ""
    order: int = 0
    expected_by: str | None = None
    case_uuid: uuid.UUID = _PLACEHOLDER
    link_uuid: uuid.UUID = _PLACEHOLDER
    indicators: list[IndicatorSpec] = field(default_factory=list)


@dataclass
class DomainSpec:
    code: str
    name: str
    description: str = ""
    is_core: bool = True
    order: int = 0
    case_uuid: uuid.UUID = _PLACEHOLDER
    link_uuid: uuid.UUID = _PLACEHOLDER
    elements: list[ElementSpec] = field(default_factory=list)


@dataclass
class StageSpec:
    code: str
    name: str
    description: str = ""
    order: int = 0
    career_stages: list[str] = field(default_factory=list)
    confirmed: bool = True
    case_uuid: uuid.UUID = _PLACEHOLDER


@dataclass
class CrosswalkSpec:
    """A link from an element of this version (by domain and element code) to another element."""

    source_domain: str
    source_element: str
    target_identifier: str
    kind: str = Crosswalk.Kind.EXACT_MATCH.value
    case_uuid: uuid.UUID = _PLACEHOLDER
    # How the target was named where it came from; not part of the version's content.
    target_uri: str = field(default="", compare=False)
    target_title: str = field(default="", compare=False)


@dataclass
class FrameworkSpec:
    code: str
    name: str
    publisher: str = ""
    audience: str = ""
    description: str = ""
    status: str = Framework.Status.CURRENT.value
    superseded_by: str | None = None
    domain_term: str = "Domain"
    element_term: str = "Element"


@dataclass
class VersionSpec:
    framework: FrameworkSpec
    version: str
    state: str
    last_changed_at: dt.datetime
    published_at: dt.datetime | None = None
    published_on: dt.date | None = None
    scale: list[str] = field(default_factory=list)
    notes: str = ""
    case_uuid: uuid.UUID = _PLACEHOLDER
    stages: list[StageSpec] = field(default_factory=list)
    domains: list[DomainSpec] = field(default_factory=list)
    crosswalks: list[CrosswalkSpec] = field(default_factory=list)

    def same_content(self, other: VersionSpec) -> bool:
        """True when both describe the same version, whatever the framework's own details."""
        return replace(self, framework=other.framework) == other

    @property
    def counts(self) -> dict[str, int]:
        elements = [e for d in self.domains for e in d.elements]
        return {
            "domains": len(self.domains),
            "elements": len(elements),
            "indicators": sum(len(e.indicators) for e in elements),
            "stages": len(self.stages),
            "crosswalks": len(self.crosswalks),
        }

    def all_identifiers(self) -> list[uuid.UUID]:
        """Every identifier the version would store, for clash checks."""
        found = [self.case_uuid]
        found += [s.case_uuid for s in self.stages]
        for domain in self.domains:
            found += [domain.case_uuid, domain.link_uuid]
            for element in domain.elements:
                found += [element.case_uuid, element.link_uuid]
                for indicator in element.indicators:
                    found += [indicator.case_uuid, indicator.link_uuid]
        found += [c.case_uuid for c in self.crosswalks]
        return found


def with_path_identifiers(spec: VersionSpec) -> VersionSpec:
    """The same spec with every identifier derived from its framework code, version and codes."""
    code, label = spec.framework.code, spec.version
    stages = [
        replace(s, case_uuid=identifiers.node_uuid(identifiers.stage_path(code, label, s.code)))
        for s in spec.stages
    ]
    domains = []
    for domain in spec.domains:
        d_path = identifiers.domain_path(code, label, domain.code)
        elements = []
        for element in domain.elements:
            e_path = identifiers.element_path(code, label, domain.code, element.code)
            indicators = []
            for indicator in element.indicators:
                i_path = f"{e_path}/{indicator.code}"
                indicators.append(
                    replace(
                        indicator,
                        case_uuid=identifiers.node_uuid(i_path),
                        link_uuid=identifiers.link_uuid(i_path),
                    )
                )
            elements.append(
                replace(
                    element,
                    case_uuid=identifiers.node_uuid(e_path),
                    link_uuid=identifiers.link_uuid(e_path),
                    indicators=indicators,
                )
            )
        domains.append(
            replace(
                domain,
                case_uuid=identifiers.node_uuid(d_path),
                link_uuid=identifiers.link_uuid(d_path),
                elements=elements,
            )
        )
    crosswalks = [
        replace(
            c,
            case_uuid=identifiers.crosswalk_uuid(
                identifiers.element_path(code, label, c.source_domain, c.source_element),
                c.kind,
                c.target_identifier,
            ),
        )
        for c in spec.crosswalks
    ]
    return replace(
        spec,
        case_uuid=identifiers.node_uuid(identifiers.version_path(code, label)),
        stages=stages,
        domains=domains,
        crosswalks=crosswalks,
    )


# From a data file ---------------------------------------------------------------------------


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise FrameworkError(f"{where}: '{key}' is missing.")
        return ""
    if not isinstance(value, str | int | float):
        raise FrameworkError(f"{where}: '{key}' should be text.")
    return " ".join(str(value).split())


def _datetime(value: Any, where: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value))
        except ValueError:
            raise FrameworkError(f"{where}: 'released' is not a date and time.") from None
    if parsed.tzinfo is None:
        raise FrameworkError(f"{where}: 'released' needs a time zone, e.g. +00:00.")
    return parsed.astimezone(dt.UTC)


def _check_code(value: str, pattern: re.Pattern[str], what: str, where: str) -> str:
    if not pattern.match(value):
        raise FrameworkError(
            f"{where}: {what} {value!r} should be letters, digits, dots, hyphens or underscores."
        )
    return value


def spec_from_data(data: Any, source: str) -> VersionSpec:
    """A published version from one of Healthlead's framework data files."""
    if not isinstance(data, dict):
        raise FrameworkError(f"{source}: the file does not describe a framework.")
    code = _check_code(_text(data, "code", source), FRAMEWORK_CODE, "framework code", source)
    terms = data.get("terms") or {}
    status = data.get("status", Framework.Status.CURRENT.value)
    if status not in Framework.Status.values:
        raise FrameworkError(
            f"{source}: status should be one of {', '.join(Framework.Status.values)}."
        )
    framework = FrameworkSpec(
        code=code,
        name=_text(data, "name", source),
        publisher=_text(data, "publisher", source, required=False),
        audience=_text(data, "audience", source, required=False),
        description=_text(data, "description", source, required=False),
        status=status,
        superseded_by=data.get("superseded_by"),
        domain_term=str(terms.get("domain", "Domain")),
        element_term=str(terms.get("element", "Element")),
    )
    version_data = data.get("version") or {}
    where = f"{source} version"
    label = _check_code(_text(version_data, "version", where), VERSION_LABEL, "version", where)
    released = _datetime(version_data.get("released"), where)
    scale = [str(level) for level in version_data.get("scale") or []]
    stage_data = data.get("stages") or {}
    confirmed = bool(stage_data.get("confirmed", True))
    stages = []
    for order, item in enumerate(stage_data.get("list") or [], start=1):
        s_where = f"{source} stage {order}"
        career = [str(c) for c in item.get("career_stages") or []]
        unknown = [c for c in career if c not in CAREER_STAGES]
        if unknown:
            raise FrameworkError(f"{s_where}: unknown career stage {', '.join(unknown)}.")
        stages.append(
            StageSpec(
                code=_check_code(_text(item, "code", s_where), NODE_CODE, "code", s_where),
                name=_text(item, "name", s_where),
                description=_text(item, "description", s_where, required=False),
                order=order,
                career_stages=career,
                confirmed=confirmed,
            )
        )
    stage_codes = {s.code for s in stages}
    domains = []
    for d_order, d_item in enumerate(data.get("domains") or [], start=1):
        d_where = f"{source} domain {d_order}"
        d_code = _check_code(_text(d_item, "code", d_where), NODE_CODE, "code", d_where)
        domain_expected = d_item.get("expected_by")
        elements = []
        for e_order, e_item in enumerate(d_item.get("elements") or [], start=1):
            e_where = f"{d_where} element {e_order}"
            expected = e_item.get("expected_by", domain_expected)
            if expected is not None and expected not in stage_codes:
                raise FrameworkError(
                    f"{e_where}: expected_by {expected!r} is not one of the stages."
                )
            indicators = []
            for i_order, i_item in enumerate(e_item.get("indicators") or [], start=1):
                i_where = f"{e_where} indicator {i_order}"
                entry = i_item if isinstance(i_item, dict) else {"text": i_item}
                level = _text(entry, "level", i_where, required=False)
                if level and level not in scale:
                    raise FrameworkError(
                        f"{i_where}: level {level!r} is not on the version's scale."
                    )
                indicators.append(
                    IndicatorSpec(
                        code=str(entry.get("code", i_order)),
                        text=_text(entry, "text", i_where),
                        level=level,
                        order=i_order,
                    )
                )
            elements.append(
                ElementSpec(
                    code=_check_code(_text(e_item, "code", e_where), NODE_CODE, "code", e_where),
                    name=_text(e_item, "name", e_where),
                    description=_text(e_item, "description", e_where, required=False),
                    order=e_order,
                    expected_by=expected,
                    indicators=indicators,
                )
            )
        domains.append(
            DomainSpec(
                code=d_code,
                name=_text(d_item, "name", d_where),
                description=_text(d_item, "description", d_where, required=False),
                is_core=bool(d_item.get("core", True)),
                order=d_order,
                elements=elements,
            )
        )
    element_codes = {(d.code, e.code) for d in domains for e in d.elements}
    crosswalks = []
    for c_order, c_item in enumerate(data.get("crosswalks") or [], start=1):
        c_where = f"{source} crosswalk {c_order}"
        source_code = _text(c_item, "from", c_where)
        source_domain, _, source_element = source_code.partition(".")
        if (source_domain, source_element) not in element_codes:
            raise FrameworkError(f"{c_where}: there is no element {source_code} in this framework.")
        kind = c_item.get("kind", Crosswalk.Kind.EXACT_MATCH.value)
        if kind not in Crosswalk.Kind.values:
            raise FrameworkError(
                f"{c_where}: kind should be one of {', '.join(Crosswalk.Kind.values)}."
            )
        target = _text(c_item, "to", c_where)
        parts = target.split("/")
        if len(parts) != 3 or "." not in parts[2]:
            raise FrameworkError(f"{c_where}: 'to' should look like LF2011/2011/1.1.")
        t_domain, _, t_element = parts[2].partition(".")
        path = identifiers.element_path(parts[0], parts[1], t_domain, t_element)
        crosswalks.append(
            CrosswalkSpec(
                source_domain=source_domain,
                source_element=source_element,
                target_identifier=str(identifiers.node_uuid(path)),
                kind=kind,
                target_title=target,
            )
        )
    spec = VersionSpec(
        framework=framework,
        version=label,
        state=FrameworkVersion.State.PUBLISHED.value,
        last_changed_at=released,
        published_at=released,
        scale=scale,
        notes=_text(version_data, "notes", where, required=False),
        stages=stages,
        domains=domains,
        crosswalks=sorted_crosswalks(crosswalks),
    )
    return with_path_identifiers(spec)


# From the database --------------------------------------------------------------------------


def spec_from_version(version: FrameworkVersion) -> VersionSpec:
    """The version as stored (uses prefetched rows when queries.version_tree() loaded it)."""
    framework = version.framework
    stages = list(version.stages.all())
    stage_codes = {s.pk: s.code for s in stages}
    domains = []
    crosswalks = []
    for domain in version.domains.all():
        elements = []
        for element in domain.elements.all():
            elements.append(
                ElementSpec(
                    code=element.code,
                    name=element.name,
                    description=element.description,
                    order=element.order,
                    expected_by=stage_codes.get(element.expected_by_id)
                    if element.expected_by_id
                    else None,
                    case_uuid=element.case_uuid,
                    link_uuid=element.link_uuid,
                    indicators=[
                        IndicatorSpec(
                            code=i.code,
                            text=i.text,
                            level=i.level,
                            order=i.order,
                            case_uuid=i.case_uuid,
                            link_uuid=i.link_uuid,
                        )
                        for i in element.indicators.all()
                    ],
                )
            )
            for crosswalk in element.crosswalks_out.all():
                crosswalks.append(
                    CrosswalkSpec(
                        source_domain=domain.code,
                        source_element=element.code,
                        target_identifier=crosswalk.target_identifier,
                        kind=crosswalk.kind,
                        case_uuid=crosswalk.case_uuid,
                        target_uri=crosswalk.target_uri,
                        target_title=crosswalk.target_title,
                    )
                )
        domains.append(
            DomainSpec(
                code=domain.code,
                name=domain.name,
                description=domain.description,
                is_core=domain.is_core,
                order=domain.order,
                case_uuid=domain.case_uuid,
                link_uuid=domain.link_uuid,
                elements=elements,
            )
        )
    return VersionSpec(
        framework=FrameworkSpec(
            code=framework.code,
            name=framework.name,
            publisher=framework.publisher,
            audience=framework.audience,
            description=framework.description,
            status=framework.status,
            superseded_by=framework.superseded_by.code if framework.superseded_by else None,
            domain_term=framework.domain_term,
            element_term=framework.element_term,
        ),
        version=version.version,
        state=version.state,
        last_changed_at=version.last_changed_at,
        published_at=version.published_at,
        published_on=version.published_on,
        scale=list(version.scale or []),
        notes=version.notes,
        case_uuid=version.case_uuid,
        stages=[
            StageSpec(
                code=s.code,
                name=s.name,
                description=s.description,
                order=s.order,
                career_stages=list(s.career_stages or []),
                confirmed=s.confirmed,
                case_uuid=s.case_uuid,
            )
            for s in stages
        ],
        domains=domains,
        crosswalks=sorted_crosswalks(crosswalks),
    )


def sorted_crosswalks(crosswalks: list[CrosswalkSpec]) -> list[CrosswalkSpec]:
    """Crosswalks in one fixed order, so that two specs compare equal whatever their source."""
    return sorted(
        crosswalks, key=lambda c: (c.source_domain, c.source_element, c.kind, c.target_identifier)
    )
