"""What the framework pages show, shaped from the models."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from healthlead.frameworks.models import (
    Crosswalk,
    Domain,
    Element,
    Framework,
    FrameworkVersion,
    Stage,
)
from healthlead.people.models import CareerStage

_CAREER_LABELS = dict(CareerStage.choices)
_LINK_LABELS: dict[str, str] = {
    Crosswalk.Kind.EXACT_MATCH.value: "Same as",
    Crosswalk.Kind.RELATED.value: "Related to",
}


def element_url(element: Element) -> str:
    domain = element.domain
    version = domain.version
    return reverse(
        "frameworks:show_element",
        args=[version.framework.code, version.version, domain.code, element.code],
    )


def version_url(version: FrameworkVersion) -> str:
    return reverse("frameworks:show_version", args=[version.framework.code, version.version])


def plural(term: str) -> str:
    """Domain -> Domains, Quality -> Qualities."""
    if term.endswith("y") and term[-2:-1].lower() not in set("aeiou"):
        return term[:-1] + "ies"
    return term if term.endswith("s") else term + "s"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def expectation(stage: Stage | None, stages: list[Stage]) -> str | None:
    """'Expected by the end of undergraduate training'; the last stage has no end."""
    if stage is None:
        return None
    if stages and stage.pk == stages[-1].pk:
        return f"Expected in {_lower_first(stage.name)}"
    return f"Expected by the end of {_lower_first(stage.name)}"


@dataclass(frozen=True)
class FrameworkRow:
    name: str
    code: str
    href: str
    description: str
    latest_version: str | None
    superseded: bool
    superseded_by_name: str | None
    superseded_by_href: str | None


def framework_rows(
    frameworks: Iterable[Framework],
) -> tuple[list[FrameworkRow], list[FrameworkRow]]:
    """Current and superseded frameworks, for the list page."""
    current: list[FrameworkRow] = []
    superseded: list[FrameworkRow] = []
    for framework in frameworks:
        published = getattr(framework, "published_versions", [])
        successor = framework.superseded_by
        row = FrameworkRow(
            name=framework.name,
            code=framework.code,
            href=reverse("frameworks:show_framework", args=[framework.code]),
            description=framework.description,
            latest_version=published[0].version if published else None,
            superseded=framework.status == Framework.Status.SUPERSEDED,
            superseded_by_name=successor.name if successor else None,
            superseded_by_href=reverse("frameworks:show_framework", args=[successor.code])
            if successor
            else None,
        )
        (superseded if row.superseded else current).append(row)
    return current, superseded


@dataclass(frozen=True)
class LinkRow:
    label: str
    text: str
    href: str | None


def _element_label(element: Element) -> str:
    framework = element.domain.version.framework
    return f"{framework.name} {element.domain.code}.{element.code} {element.name}"


def link_rows(element: Element) -> list[LinkRow]:
    """Crosswalks from this element, and published crosswalks to it."""
    rows = []
    for crosswalk in element.crosswalks_out.all():
        label = _LINK_LABELS.get(crosswalk.kind, crosswalk.kind)
        if crosswalk.target is not None:
            rows.append(
                LinkRow(label, _element_label(crosswalk.target), element_url(crosswalk.target))
            )
        else:
            rows.append(LinkRow(label, crosswalk.target_title or crosswalk.target_identifier, None))
    for crosswalk in element.crosswalks_in.all():
        label = _LINK_LABELS.get(crosswalk.kind, crosswalk.kind)
        rows.append(LinkRow(label, _element_label(crosswalk.source), element_url(crosswalk.source)))
    return rows


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    text: str
    level: str


@dataclass(frozen=True)
class ElementBlock:
    code: str
    name: str
    description: str
    href: str
    edit_href: str | None
    expectation: str | None
    links: list[LinkRow]
    indicators: list[IndicatorRow]

    @property
    def has_levels(self) -> bool:
        return any(i.level for i in self.indicators)


@dataclass(frozen=True)
class DomainBlock:
    code: str
    name: str
    description: str
    anchor: str
    show_core_tag: bool
    is_core: bool
    elements: list[ElementBlock]

    @property
    def single_element(self) -> bool:
        """One element with the domain's own name (Healthcare Leadership Model, FMLM)."""
        return len(self.elements) == 1 and self.elements[0].name == self.name


@dataclass(frozen=True)
class StageRow:
    name: str
    description: str
    career_stages: str
    confirmed: bool


@dataclass(frozen=True)
class VersionPage:
    framework: Framework
    version: FrameworkVersion
    summary_rows: list[dict[str, Any]]
    stages: list[StageRow]
    stages_confirmed: bool
    scale: list[str]
    domains: list[DomainBlock]
    core_explained: bool
    domains_heading: str
    counts_text: str


def element_block(
    element: Element, domain: Domain, stages: list[Stage], *, editable: bool
) -> ElementBlock:
    version = domain.version
    stage = next((s for s in stages if s.pk == element.expected_by_id), None)
    return ElementBlock(
        code=f"{domain.code}.{element.code}",
        name=element.name,
        description=element.description,
        href=element_url(element),
        edit_href=reverse(
            "frameworks:edit_element",
            args=[version.framework.code, version.version, domain.code, element.code],
        )
        if editable
        else None,
        expectation=expectation(stage, stages),
        links=link_rows(element),
        indicators=[IndicatorRow(i.code, i.text, i.level) for i in element.indicators.all()],
    )


def stage_rows(stages: list[Stage]) -> list[StageRow]:
    return [
        StageRow(
            name=s.name,
            description=s.description,
            career_stages=", ".join(_CAREER_LABELS.get(c, c) for c in s.career_stages)
            or "None given",
            confirmed=s.confirmed,
        )
        for s in stages
    ]


def version_page(version: FrameworkVersion, *, editable: bool) -> VersionPage:
    """A whole version. Pass one from queries.version_tree() so nothing more is queried."""
    framework = version.framework
    stages = list(version.stages.all())
    domains = list(version.domains.all())
    mixed_core = len({d.is_core for d in domains}) > 1
    blocks = []
    for domain in domains:
        # The domain's version is this one: no need to query it again for each element.
        domain.version = version
        elements = list(domain.elements.all())
        for element in elements:
            element.domain = domain
        blocks.append(
            DomainBlock(
                code=domain.code,
                name=domain.name,
                description=domain.description,
                anchor=f"domain-{domain.code}",
                show_core_tag=mixed_core,
                is_core=domain.is_core,
                elements=[element_block(e, domain, stages, editable=editable) for e in elements],
            )
        )
    summary = [
        ("Version", version.version),
        ("Status", version.get_state_display()),
        ("Originally published by", framework.publisher or "Not recorded"),
        ("Written for", framework.audience or "Not recorded"),
    ]
    n_domains = len(blocks)
    n_elements = sum(len(b.elements) for b in blocks)
    n_indicators = sum(len(e.indicators) for b in blocks for e in b.elements)
    domain_terms = plural(framework.domain_term).lower()
    if blocks and all(b.single_element for b in blocks):
        counts_text = f"{n_domains} {domain_terms} and {n_indicators} indicators."
    else:
        element_terms = plural(framework.element_term).lower()
        counts_text = (
            f"{n_domains} {domain_terms}, {n_elements} {element_terms} "
            f"and {n_indicators} indicators."
        )
    return VersionPage(
        framework=framework,
        version=version,
        summary_rows=[{"key": {"text": k}, "value": {"text": v}} for k, v in summary],
        stages=stage_rows(stages),
        stages_confirmed=all(s.confirmed for s in stages),
        scale=list(version.scale or []),
        domains=blocks,
        core_explained=mixed_core,
        domains_heading=plural(framework.domain_term),
        counts_text=counts_text,
    )


def breadcrumbs_for(framework: Framework, *extra: tuple[str, str]) -> list[dict[str, str]]:
    crumbs = [
        {"href": "/", "text": "Home"},
        {"href": reverse("frameworks:list_frameworks"), "text": "Leadership frameworks"},
        {
            "href": reverse("frameworks:show_framework", args=[framework.code]),
            "text": framework.name,
        },
    ]
    crumbs += [{"href": href, "text": text} for href, text in extra]
    return crumbs
