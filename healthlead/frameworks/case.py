"""IMS CASE 1.0 exchange: a framework version as a CFPackage, and a CFPackage as a version.

How Healthlead's model maps to CASE (docs/case.md has the full table):

- a version is a CFDocument (its identifier is the version's), and the package carries it;
- domains, elements and indicators are CFItems, typed by the framework's own terms
  ("Domain", "Dimension", "Cluster", "Quality" ... and "Indicator");
- the tree is isChildOf associations; crosswalks are exactMatchOf or isRelatedTo;
- stages are CFConcepts; an element's stage expectation and an indicator's scale level
  are the item's educationLevel; a core domain has the concept keyword "core".
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from healthlead.frameworks import case_schema
from healthlead.frameworks.errors import FrameworkError
from healthlead.frameworks.identifiers import parse_uuid
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
    FRAMEWORK_CODE,
    NODE_CODE,
    VERSION_LABEL,
    CrosswalkSpec,
    DomainSpec,
    ElementSpec,
    FrameworkSpec,
    IndicatorSpec,
    StageSpec,
    VersionSpec,
    sorted_crosswalks,
)

INDICATOR_TYPE = "Indicator"
CORE_KEYWORD = "core"
UNCONFIRMED_KEYWORD = "unconfirmed"
PUBLISHER = "Healthlead"
ADOPTED, DEPRECATED, DRAFT = "Adopted", "Deprecated", "Draft"
_SOURCE_PATH = re.compile(r"/frameworks/([A-Za-z0-9][A-Za-z0-9_-]*)/versions/")
MAX_PROBLEMS = 50


def case_uri(kind: str, identifier: uuid.UUID | str) -> str:
    """The address of a CASE object on this site, e.g. .../ims/case/v1p0/CFItems/<id>."""
    return f"{settings.SITE_URL}/ims/case/v1p0/{kind}/{identifier}"


def case_time(value: dt.datetime) -> str:
    """A CASE lastChangeDateTime: UTC, with a Z."""
    value = value.astimezone(dt.UTC)
    spec = "microseconds" if value.microsecond else "seconds"
    return value.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def adoption_status(version: FrameworkVersion) -> str:
    if not version.is_published:
        return DRAFT
    if version.framework.status == Framework.Status.SUPERSEDED:
        return DEPRECATED
    return ADOPTED


def _link(title: str, identifier: uuid.UUID | str, kind: str) -> dict[str, str]:
    return {"title": title, "identifier": str(identifier), "uri": case_uri(kind, identifier)}


def document_link(version: FrameworkVersion) -> dict[str, str]:
    return _link(version.framework.name, version.case_uuid, "CFDocuments")


def package_link(version: FrameworkVersion) -> dict[str, str]:
    return _link(version.framework.name, version.case_uuid, "CFPackages")


def source_url(version: FrameworkVersion) -> str:
    path = reverse("frameworks:show_version", args=[version.framework.code, version.version])
    return f"{settings.SITE_URL}{path}"


# Export -------------------------------------------------------------------------------------


def package_document(version: FrameworkVersion) -> dict[str, Any]:
    """The CFDocument as it sits inside a CFPackage."""
    framework = version.framework
    document: dict[str, Any] = {
        "identifier": str(version.case_uuid),
        "uri": case_uri("CFDocuments", version.case_uuid),
        "creator": framework.publisher or PUBLISHER,
        "title": framework.name,
        "lastChangeDateTime": case_time(version.last_changed_at),
        "officialSourceURL": source_url(version),
        "publisher": PUBLISHER,
    }
    if framework.description:
        document["description"] = framework.description
    document["language"] = "en"
    document["version"] = version.version
    document["adoptionStatus"] = adoption_status(version)
    if version.published_on:
        document["statusStartDate"] = version.published_on.isoformat()
    if version.notes:
        document["notes"] = version.notes
    return document


def document(version: FrameworkVersion) -> dict[str, Any]:
    """A CFDocument on its own (GET CFDocuments/{id})."""
    return {**package_document(version), "CFPackageURI": package_link(version)}


def domain_item(domain: Domain, version: FrameworkVersion) -> dict[str, Any]:
    item: dict[str, Any] = {
        "identifier": str(domain.case_uuid),
        "fullStatement": domain.name,
        "CFItemType": version.framework.domain_term,
        "uri": case_uri("CFItems", domain.case_uuid),
        "humanCodingScheme": domain.code,
        "listEnumeration": str(domain.order),
    }
    if domain.is_core:
        item["conceptKeywords"] = [CORE_KEYWORD]
    if domain.description:
        item["notes"] = domain.description
    item["language"] = "en"
    item["lastChangeDateTime"] = case_time(version.last_changed_at)
    return item


def element_item(
    element: Element, domain: Domain, version: FrameworkVersion, stage: Stage | None
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "identifier": str(element.case_uuid),
        "fullStatement": element.name,
        "CFItemType": version.framework.element_term,
        "uri": case_uri("CFItems", element.case_uuid),
        "humanCodingScheme": f"{domain.code}.{element.code}",
        "listEnumeration": str(element.order),
    }
    if element.description:
        item["notes"] = element.description
    item["language"] = "en"
    if stage is not None:
        item["educationLevel"] = [stage.code]
    item["lastChangeDateTime"] = case_time(version.last_changed_at)
    return item


def indicator_item(
    indicator: Indicator, element: Element, domain: Domain, version: FrameworkVersion
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "identifier": str(indicator.case_uuid),
        "fullStatement": indicator.text,
        "CFItemType": INDICATOR_TYPE,
        "uri": case_uri("CFItems", indicator.case_uuid),
        "humanCodingScheme": f"{domain.code}.{element.code}.{indicator.code}",
        "listEnumeration": str(indicator.order),
        "language": "en",
    }
    if indicator.level:
        item["educationLevel"] = [indicator.level]
    item["lastChangeDateTime"] = case_time(version.last_changed_at)
    return item


def child_association(
    *,
    identifier: uuid.UUID,
    order: int,
    child: dict[str, str],
    parent: dict[str, str],
    version: FrameworkVersion,
) -> dict[str, Any]:
    return {
        "identifier": str(identifier),
        "associationType": "isChildOf",
        "sequenceNumber": order,
        "uri": case_uri("CFAssociations", identifier),
        "originNodeURI": child,
        "destinationNodeURI": parent,
        "lastChangeDateTime": case_time(version.last_changed_at),
    }


def crosswalk_association(
    crosswalk: Crosswalk, source: Element, version: FrameworkVersion
) -> dict[str, Any]:
    target = crosswalk.target
    if target is not None:
        destination = _link(target.name, target.case_uuid, "CFItems")
    else:
        destination = {
            "title": crosswalk.target_title,
            "identifier": crosswalk.target_identifier,
            "uri": crosswalk.target_uri or case_uri("CFItems", crosswalk.target_identifier),
        }
    return {
        "identifier": str(crosswalk.case_uuid),
        "associationType": crosswalk.kind,
        "uri": case_uri("CFAssociations", crosswalk.case_uuid),
        "originNodeURI": _link(source.name, source.case_uuid, "CFItems"),
        "destinationNodeURI": destination,
        "lastChangeDateTime": case_time(version.last_changed_at),
    }


def stage_concept(stage: Stage, version: FrameworkVersion) -> dict[str, Any]:
    keywords = list(stage.career_stages or [])
    if not stage.confirmed:
        keywords.append(UNCONFIRMED_KEYWORD)
    concept: dict[str, Any] = {
        "identifier": str(stage.case_uuid),
        "uri": case_uri("CFConcepts", stage.case_uuid),
        "title": stage.name,
    }
    if keywords:
        concept["keywords"] = " ".join(keywords)
    concept["hierarchyCode"] = stage.code
    if stage.description:
        concept["description"] = stage.description
    concept["lastChangeDateTime"] = case_time(version.last_changed_at)
    return concept


def package(version: FrameworkVersion) -> dict[str, Any]:
    """The whole version as a CFPackage. Pass a version from queries.version_tree()."""
    doc_link = document_link(version)
    stages = {s.pk: s for s in version.stages.all()}
    items: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    crosswalks: list[dict[str, Any]] = []
    for domain in version.domains.all():
        items.append(domain_item(domain, version))
        domain_ref = _link(domain.name, domain.case_uuid, "CFItems")
        links.append(
            child_association(
                identifier=domain.link_uuid,
                order=domain.order,
                child=domain_ref,
                parent=doc_link,
                version=version,
            )
        )
        for element in domain.elements.all():
            stage = stages.get(element.expected_by_id) if element.expected_by_id else None
            items.append(element_item(element, domain, version, stage))
            element_ref = _link(element.name, element.case_uuid, "CFItems")
            links.append(
                child_association(
                    identifier=element.link_uuid,
                    order=element.order,
                    child=element_ref,
                    parent=domain_ref,
                    version=version,
                )
            )
            for indicator in element.indicators.all():
                items.append(indicator_item(indicator, element, domain, version))
                links.append(
                    child_association(
                        identifier=indicator.link_uuid,
                        order=indicator.order,
                        child=_link(indicator.text, indicator.case_uuid, "CFItems"),
                        parent=element_ref,
                        version=version,
                    )
                )
            for crosswalk in element.crosswalks_out.all():
                crosswalks.append(crosswalk_association(crosswalk, element, version))
    result: dict[str, Any] = {
        "CFDocument": package_document(version),
        "CFItems": items,
        "CFAssociations": links + crosswalks,
    }
    if stages:
        result["CFDefinitions"] = {
            "CFConcepts": [stage_concept(s, version) for s in stages.values()]
        }
    return result


# Single objects for the read endpoints --------------------------------------------------------


def item_for_domain(domain: Domain) -> dict[str, Any]:
    version = domain.version
    return {**domain_item(domain, version), "CFDocumentURI": document_link(version)}


def item_for_element(element: Element) -> dict[str, Any]:
    domain = element.domain
    version = domain.version
    item = element_item(element, domain, version, element.expected_by)
    return {**item, "CFDocumentURI": document_link(version)}


def item_for_indicator(indicator: Indicator) -> dict[str, Any]:
    element = indicator.element
    domain = element.domain
    version = domain.version
    item = indicator_item(indicator, element, domain, version)
    return {**item, "CFDocumentURI": document_link(version)}


def association_for_node(node: Domain | Element | Indicator) -> dict[str, Any]:
    """The isChildOf association from a domain, element or indicator to its parent."""
    if isinstance(node, Domain):
        version = node.version
        child = _link(node.name, node.case_uuid, "CFItems")
        parent = document_link(version)
    elif isinstance(node, Element):
        version = node.domain.version
        child = _link(node.name, node.case_uuid, "CFItems")
        parent = _link(node.domain.name, node.domain.case_uuid, "CFItems")
    else:
        version = node.element.domain.version
        child = _link(node.text, node.case_uuid, "CFItems")
        parent = _link(node.element.name, node.element.case_uuid, "CFItems")
    association = child_association(
        identifier=node.link_uuid, order=node.order, child=child, parent=parent, version=version
    )
    return {**association, "CFDocumentURI": document_link(version)}


def association_for_crosswalk(crosswalk: Crosswalk) -> dict[str, Any]:
    version = crosswalk.source.domain.version
    association = crosswalk_association(crosswalk, crosswalk.source, version)
    return {**association, "CFDocumentURI": document_link(version)}


def concept_set_for_stage(stage: Stage) -> dict[str, Any]:
    return {"CFConcepts": [stage_concept(stage, stage.version)]}


def status_info(code_minor: str, description: str) -> dict[str, Any]:
    """The imsx_StatusInfo body CASE returns with a failed request."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_codeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "sourcedId", "imsx_codeMinorFieldValue": code_minor}
            ]
        },
    }


# Import -------------------------------------------------------------------------------------


def _parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("z", "Z")).astimezone(dt.UTC)


def _clean(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def framework_code_from(package_data: dict[str, Any]) -> str | None:
    """The Healthlead framework code named in a package's officialSourceURL, if any."""
    url = package_data.get("CFDocument", {}).get("officialSourceURL")
    if not isinstance(url, str):
        return None
    match = _SOURCE_PATH.search(urlsplit(url).path)
    return match.group(1) if match else None


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(message)

    def check_length(self, where: str, name: str, value: str, limit: int) -> None:
        if len(value) > limit:
            self.add(f"{where}: {name} is longer than {limit} characters.")


def _code_from(item: dict[str, Any], fallback: int) -> str:
    coding = str(item.get("humanCodingScheme") or "").strip()
    code = coding.rsplit(".", 1)[-1] if coding else ""
    return code if NODE_CODE.match(code) else str(fallback)


def _identifier_problems(package_data: dict[str, Any]) -> list[str]:
    """Identifiers that are not exactly a UUID (the standard's pattern also matches longer text)."""
    found = []
    places = [("CFDocument", package_data["CFDocument"])]
    places += [(f"CFItems[{i}]", item) for i, item in enumerate(package_data.get("CFItems") or [])]
    places += [
        (f"CFAssociations[{i}]", association)
        for i, association in enumerate(package_data.get("CFAssociations") or [])
    ]
    concepts = (package_data.get("CFDefinitions") or {}).get("CFConcepts") or []
    places += [(f"CFDefinitions.CFConcepts[{i}]", c) for i, c in enumerate(concepts)]
    for where, entry in places:
        if parse_uuid(entry["identifier"]) is None:
            found.append(f"{where}.identifier: {entry['identifier'][:60]!r} is not a UUID.")
        if len(found) >= MAX_PROBLEMS:
            break
    return found


def spec_from_package(package_data: Any, *, code: str | None = None) -> VersionSpec:
    """A version from a CFPackage, checked against CASE 1.0 and Healthlead's shape.

    Raises FrameworkError listing every problem found; nothing is written here.
    """
    if not isinstance(package_data, dict):
        raise FrameworkError("The file is not a CASE package: it should be a JSON object.")
    schema_problems = case_schema.problems(package_data, "CFPackage.Type", limit=MAX_PROBLEMS)
    if schema_problems:
        raise FrameworkError(
            "The file is not a valid CASE 1.0 package.", [*schema_problems][:MAX_PROBLEMS]
        )
    identifier_problems = _identifier_problems(package_data)
    if identifier_problems:
        raise FrameworkError("The package cannot be imported.", identifier_problems)
    problems = _Problems()
    doc = package_data["CFDocument"]
    code = code or framework_code_from(package_data)
    if not code:
        problems.add(
            "The package does not say which Healthlead framework it belongs to: "
            "enter a framework code."
        )
    elif not FRAMEWORK_CODE.match(code):
        problems.add(f"Framework code {code!r} should be letters, digits, hyphens or underscores.")
    label = _clean(doc.get("version"))
    if not label:
        problems.add("CFDocument: version is missing; Healthlead needs a version name.")
    elif not VERSION_LABEL.match(label):
        problems.add(
            f"CFDocument: version {label!r} should be up to 20 letters, digits, dots or hyphens."
        )
    title = _clean(doc["title"])
    problems.check_length("CFDocument", "title", title, 200)
    status = _clean(doc.get("adoptionStatus"))
    published = status in {ADOPTED, DEPRECATED}
    changed_at = _parse_time(doc["lastChangeDateTime"])

    # Stages, from the concepts.
    stages: list[StageSpec] = []
    for index, concept in enumerate(
        (package_data.get("CFDefinitions") or {}).get("CFConcepts") or []
    ):
        where = f"CFDefinitions.CFConcepts[{index}]"
        keywords = _clean(concept.get("keywords")).split()
        unknown = [k for k in keywords if k not in CAREER_STAGES and k != UNCONFIRMED_KEYWORD]
        if unknown:
            problems.add(f"{where}: keywords {', '.join(unknown)} are not career stages.")
        stage_code = _clean(concept["hierarchyCode"])
        if not NODE_CODE.match(stage_code):
            problems.add(f"{where}: hierarchyCode {stage_code!r} is not a usable stage code.")
        problems.check_length(where, "title", _clean(concept["title"]), 200)
        stages.append(
            StageSpec(
                code=stage_code,
                name=_clean(concept["title"]),
                description=_clean(concept.get("description")),
                order=index + 1,
                career_stages=[k for k in keywords if k in CAREER_STAGES],
                confirmed=UNCONFIRMED_KEYWORD not in keywords,
                case_uuid=uuid.UUID(concept["identifier"]),
            )
        )
    stage_codes = [s.code for s in stages]
    if len(set(stage_codes)) != len(stage_codes):
        problems.add("CFDefinitions.CFConcepts: two stages share a hierarchyCode.")

    # The tree, from the isChildOf associations.
    doc_id = doc["identifier"].lower()
    items = {}
    for index, item in enumerate(package_data.get("CFItems") or []):
        identifier = item["identifier"].lower()
        if identifier in items or identifier == doc_id:
            problems.add(f"CFItems[{index}]: identifier {identifier} is used twice.")
        items[identifier] = (index, item)
    parents: dict[str, tuple[str, int | None, str]] = {}
    crosswalk_links = []
    for index, association in enumerate(package_data.get("CFAssociations") or []):
        where = f"CFAssociations[{index}]"
        kind = association["associationType"]
        origin = str(association["originNodeURI"]["identifier"]).lower()
        destination = str(association["destinationNodeURI"]["identifier"]).lower()
        if kind == "isChildOf":
            if origin not in items:
                problems.add(f"{where}: its origin {origin} is not an item in this package.")
            elif origin in parents:
                problems.add(f"{where}: item {origin} has more than one parent.")
            elif destination != doc_id and destination not in items:
                problems.add(f"{where}: its parent {destination} is not in this package.")
            else:
                parents[origin] = (
                    destination,
                    association.get("sequenceNumber"),
                    association["identifier"].lower(),
                )
        elif kind in Crosswalk.Kind.values:
            crosswalk_links.append((index, association, origin))
        else:
            problems.add(
                f"{where}: Healthlead does not hold {kind} associations "
                "(only isChildOf, exactMatchOf and isRelatedTo)."
            )

    def depth_of(identifier: str) -> int:
        seen = set()
        depth = 0
        while identifier != doc_id:
            if identifier in seen or identifier not in parents:
                return 0
            seen.add(identifier)
            identifier = parents[identifier][0]
            depth += 1
        return depth

    children: dict[str, list[tuple[int, int, str]]] = {}
    for identifier, (index, _item) in items.items():
        if identifier not in parents:
            problems.add(f"CFItems[{index}]: item {identifier} is not linked to a parent.")
            continue
        depth = depth_of(identifier)
        if depth == 0:
            problems.add(f"CFItems[{index}]: item {identifier} is part of a loop of parents.")
        elif depth > 3:
            problems.add(
                f"CFItems[{index}]: item {identifier} is {depth} levels deep; Healthlead holds "
                "three (domain, element, indicator)."
            )
        parent, sequence, _link_id = parents[identifier]
        position = sequence if isinstance(sequence, int) else index
        children.setdefault(parent, []).append((position, index, identifier))
    for siblings in children.values():
        siblings.sort()

    def node_order(identifier: str, fallback: int) -> int:
        sequence = parents[identifier][1]
        if isinstance(sequence, int) and 0 <= sequence <= 32767:
            return sequence
        listed = str(items[identifier][1].get("listEnumeration") or "")
        return int(listed) if listed.isdigit() and int(listed) <= 32767 else fallback

    scale: list[str] = []
    domains: list[DomainSpec] = []
    element_codes: dict[str, tuple[str, str]] = {}
    domain_term = element_term = None
    for d_position, (_, d_index, d_id) in enumerate(children.get(doc_id, []), start=1):
        d_item = items[d_id][1]
        where = f"CFItems[{d_index}]"
        domain_term = domain_term or _clean(d_item.get("CFItemType"))
        d_code = _code_from(d_item, d_position)
        name = _clean(d_item["fullStatement"])
        problems.check_length(where, "fullStatement", name, 200)
        elements: list[ElementSpec] = []
        for e_position, (_, e_index, e_id) in enumerate(children.get(d_id, []), start=1):
            e_item = items[e_id][1]
            e_where = f"CFItems[{e_index}]"
            element_term = element_term or _clean(e_item.get("CFItemType"))
            e_code = _code_from(e_item, e_position)
            e_name = _clean(e_item["fullStatement"])
            problems.check_length(e_where, "fullStatement", e_name, 200)
            levels = e_item.get("educationLevel") or []
            expected = _clean(levels[0]) if levels else None
            if len(levels) > 1:
                problems.add(f"{e_where}: an element can be expected by one stage only.")
            if expected is not None and expected not in stage_codes:
                problems.add(f"{e_where}: educationLevel {expected!r} is not one of the stages.")
            indicators: list[IndicatorSpec] = []
            for i_position, (_, i_index, i_id) in enumerate(children.get(e_id, []), start=1):
                i_item = items[i_id][1]
                i_where = f"CFItems[{i_index}]"
                i_levels = i_item.get("educationLevel") or []
                level = _clean(i_levels[0]) if i_levels else ""
                if len(i_levels) > 1:
                    problems.add(f"{i_where}: an indicator can sit at one level only.")
                problems.check_length(i_where, "educationLevel", level, 50)
                if level and level not in scale:
                    scale.append(level)
                indicators.append(
                    IndicatorSpec(
                        code=_code_from(i_item, i_position),
                        text=_clean(i_item["fullStatement"]),
                        level=level,
                        order=node_order(i_id, i_position),
                        case_uuid=uuid.UUID(i_id),
                        link_uuid=uuid.UUID(parents[i_id][2]),
                    )
                )
            elements.append(
                ElementSpec(
                    code=e_code,
                    name=e_name,
                    description=_clean(e_item.get("notes")),
                    order=node_order(e_id, e_position),
                    expected_by=expected,
                    case_uuid=uuid.UUID(e_id),
                    link_uuid=uuid.UUID(parents[e_id][2]),
                    indicators=indicators,
                )
            )
            element_codes[e_id] = (d_code, e_code)
        domains.append(
            DomainSpec(
                code=d_code,
                name=name,
                description=_clean(d_item.get("notes")),
                is_core=CORE_KEYWORD in (d_item.get("conceptKeywords") or []),
                order=node_order(d_id, d_position),
                case_uuid=uuid.UUID(d_id),
                link_uuid=uuid.UUID(parents[d_id][2]),
                elements=elements,
            )
        )
        codes = [e.code for e in elements]
        if len(set(codes)) != len(codes):
            problems.add(f"{where}: two of its elements have the same code.")
        for element in elements:
            i_codes = [i.code for i in element.indicators]
            if len(set(i_codes)) != len(i_codes):
                problems.add(f"Element {d_code}.{element.code}: two indicators share a code.")
    d_codes = [d.code for d in domains]
    if len(set(d_codes)) != len(d_codes):
        problems.add("Two domains have the same code (humanCodingScheme).")

    crosswalks: list[CrosswalkSpec] = []
    seen_links = set()
    for index, association, origin in crosswalk_links:
        where = f"CFAssociations[{index}]"
        link_key = (
            origin,
            str(association["destinationNodeURI"]["identifier"]).lower(),
            association["associationType"],
        )
        if link_key in seen_links:
            problems.add(f"{where}: the same link is in the package twice.")
            continue
        seen_links.add(link_key)
        if origin not in element_codes:
            problems.add(
                f"{where}: a {association['associationType']} link must start from an element "
                "of this package."
            )
            continue
        destination = association["destinationNodeURI"]
        target_identifier = str(destination["identifier"]).lower()
        if parse_uuid(target_identifier) is None:
            problems.add(f"{where}: its destination {target_identifier!r} is not a UUID.")
            continue
        d_code, e_code = element_codes[origin]
        crosswalks.append(
            CrosswalkSpec(
                source_domain=d_code,
                source_element=e_code,
                target_identifier=target_identifier,
                kind=association["associationType"],
                case_uuid=uuid.UUID(association["identifier"]),
                target_uri=_clean(destination["uri"])[:500],
                target_title=_clean(destination["title"])[:500],
            )
        )
    if problems.items:
        raise FrameworkError("The package cannot be imported.", problems.items)
    return VersionSpec(
        framework=FrameworkSpec(
            code=code or "",
            name=title,
            publisher="" if doc["creator"] == PUBLISHER else _clean(doc["creator"])[:300],
            description=_clean(doc.get("description")),
            status=Framework.Status.SUPERSEDED
            if status == DEPRECATED
            else Framework.Status.CURRENT,
            domain_term=(domain_term or "Domain")[:30],
            element_term=(element_term or "Element")[:30],
        ),
        version=label,
        state=FrameworkVersion.State.PUBLISHED if published else FrameworkVersion.State.DRAFT,
        last_changed_at=changed_at,
        published_at=changed_at if published else None,
        published_on=dt.date.fromisoformat(doc["statusStartDate"])
        if doc.get("statusStartDate")
        else None,
        scale=scale,
        notes=_clean(doc.get("notes")),
        case_uuid=uuid.UUID(doc["identifier"]),
        stages=stages,
        domains=domains,
        crosswalks=sorted_crosswalks(crosswalks),
    )
