"""Stable CASE identifiers: UUID version 5 over one fixed namespace and a readable path.

A path names a node by framework code, version and codes, e.g. "LF2011/2011/3/2" is element
2 of domain 3 of version 2011 of the NHS Leadership Framework. The same path always gives
the same identifier, on every installation, so exports are identical and links between
frameworks hold. A new version has new paths and so new identifiers.
"""

from __future__ import annotations

import uuid

# uuid5(NAMESPACE_URL, "https://healthlead.nhs.example/frameworks"), written out so that
# nothing can change it by accident.
NAMESPACE = uuid.UUID("af14a3ec-4e95-509e-8def-2edf111e5a20")


def node_uuid(path: str) -> uuid.UUID:
    """The identifier of the framework, version, domain, element, indicator or stage at `path`."""
    return uuid.uuid5(NAMESPACE, path)


def link_uuid(path: str) -> uuid.UUID:
    """The identifier of the isChildOf association from the node at `path` to its parent."""
    return uuid.uuid5(NAMESPACE, f"{path}/isChildOf")


def crosswalk_uuid(source_path: str, kind: str, target_identifier: str) -> uuid.UUID:
    """The identifier of a crosswalk association from the element at `source_path`."""
    return uuid.uuid5(NAMESPACE, f"{source_path}/{kind}/{target_identifier.lower()}")


def version_path(code: str, version: str) -> str:
    return f"{code}/{version}"


def domain_path(code: str, version: str, domain: str) -> str:
    return f"{code}/{version}/{domain}"


def element_path(code: str, version: str, domain: str, element: str) -> str:
    return f"{code}/{version}/{domain}/{element}"


def indicator_path(code: str, version: str, domain: str, element: str, indicator: str) -> str:
    return f"{code}/{version}/{domain}/{element}/{indicator}"


def stage_path(code: str, version: str, stage: str) -> str:
    return f"{code}/{version}/stage/{stage}"


def parse_uuid(value: str) -> uuid.UUID | None:
    """A UUID from text in the canonical 8-4-4-4-12 form (any case), or None."""
    if not isinstance(value, str) or len(value) != 36:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
