"""The organisations stage: real regions and trusts, the 42 ICBs, and how many staff each gets.

ICBs: column 4 of the ODS trust file holds a higher-level geography code for each trust. Where it
looks like an ICB code (Q and two letters or digits, e.g. QOP) the trust's ICB is made from it,
named plainly ("Integrated care board QOP"): 30 such codes cover every trust in the North West,
North East and Yorkshire, Midlands and South West, and some in London and the South East. The
other trusts (London, the South East and the East of England) carry codes that are not ICB codes;
they are shared out, in code order, among synthetic ICBs ("ICB-Y61-1") so that each region has as
many ICBs as it really does (facts.ICBS_PER_REGION, 42 in all). Trusts point at their ICB as parent.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from healthlead.core import audit
from healthlead.demo.synth import facts
from healthlead.demo.synth.registry import SynthContext, SynthError, synth_stage
from healthlead.people import actions as people_actions
from healthlead.people.models import Organisation

ICB_CODE = re.compile(r"^Q[A-Z0-9]{2}$")
DEFAULT_TRUST = "RGT"  # Cambridge University Hospitals NHS Foundation Trust (as in the demo)
DEFAULT_REGION = "Y59"  # South East: about 200,000 synthetic staff

_SPECIALIST_WORDS = (
    "ORTHOPAEDIC",
    "CHILDREN",
    "WOMEN",
    "CANCER",
    "CHRISTIE",
    "MARSDEN",
    "PAPWORTH",
    "MOORFIELDS",
    "HEART AND CHEST",
    "WALTON CENTRE",
    "QUEEN VICTORIA HOSPITAL",
)
_MENTAL_HEALTH_COMMUNITY_WORDS = (
    "MENTAL HEALTH",
    "PARTNERSHIP",
    "COMMUNITY",
    "HEALTH AND CARE",
    "COMBINED HEALTHCARE",
    "MERSEY CARE",
    "PENNINE CARE",
    "MAUDSLEY",
    "OXLEAS",
    "OXFORD HEALTH",
    "BERKSHIRE HEALTHCARE",
    "NOTTINGHAMSHIRE HEALTHCARE",
    "DERBYSHIRE HEALTHCARE",
    "DORSET HEALTHCARE",
    "NORTHAMPTONSHIRE HEALTHCARE",
    "ISLE OF WIGHT HEALTHCARE",
    "HUMBER TEACHING",
    "TEES, ESK AND WEAR",
    "TYNE AND WEAR NHS",
    "LANCASHIRE & SOUTH CUMBRIA",
    "NORFOLK AND SUFFOLK",
    "CAMBRIDGESHIRE AND PETERBOROUGH",
    "WEST LONDON NHS TRUST",
    "EAST LONDON NHS",
    "NORTH LONDON NHS",
    "CENTRAL AND NORTH WEST LONDON",
)


def trust_kind(name: str) -> str:
    """Acute, mental health and community, ambulance or specialist, read from the trust's name."""
    upper = name.upper()
    if "AMBULANCE" in upper:
        return facts.AMBULANCE
    if any(word in upper for word in _SPECIALIST_WORDS):
        return facts.SPECIALIST
    if any(word in upper for word in _MENTAL_HEALTH_COMMUNITY_WORDS):
        return facts.MENTAL_HEALTH_COMMUNITY
    return facts.ACUTE


@dataclass(frozen=True)
class OrgPlan:
    """One organisation that gets synthetic staff, and how many."""

    org_id: int
    code: str
    name: str
    kind: str  # a facts kind: acute, mental_health_community, ambulance, specialist, icb
    region_id: int | None
    region_code: str
    postcode: str
    headcount: int


@dataclass(frozen=True)
class IcbPlan:
    code: str
    name: str
    region_code: str
    trusts: list[str]


def plan_icbs(trust_geography: dict[str, tuple[str, str]]) -> list[IcbPlan]:
    """ICBs and their trusts from {trust code: (region code, column-4 code)}; see module doc."""
    by_region: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    unplaced: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for trust, (region, geography) in sorted(trust_geography.items()):
        if ICB_CODE.match(geography):
            by_region[region][geography].append(trust)
        else:
            unplaced[region].append((geography, trust))
    icbs: list[IcbPlan] = []
    for region in sorted(set(by_region) | set(unplaced)):
        real = by_region[region]
        for code in sorted(real):
            icbs.append(IcbPlan(code, f"Integrated care board {code}", region, real[code]))
        leftovers = [trust for _, trust in sorted(unplaced[region])]
        if not leftovers:
            continue
        wanted = facts.ICBS_PER_REGION.get(region, len(real) + 1) - len(real)
        if wanted < 1:
            # More real ICB codes than ICBs: share the rest among the real ones.
            targets = [icb for icb in icbs if icb.region_code == region]
            for index, trust in enumerate(leftovers):
                targets[index % len(targets)].trusts.append(trust)
            continue
        start = 0
        for number in range(1, wanted + 1):
            size = len(leftovers) // wanted + (1 if number <= len(leftovers) % wanted else 0)
            chunk = leftovers[start : start + size]
            start += size
            code = f"ICB-{region}-{number}"
            icbs.append(IcbPlan(code, f"Integrated care board {code} (synthetic)", region, chunk))
    return icbs


def _trust_geography(open_codes: set[str]) -> dict[str, tuple[str, str]]:
    with people_actions.ODS_TRUSTS_FILE.open(newline="", encoding="utf-8") as handle:
        return {
            row[0]: (row[2], row[3].strip())
            for row in csv.reader(handle)
            if len(row) >= 12 and row[0] in open_codes
        }


@transaction.atomic
def attach_trusts_to_icbs(
    *, ctx: SynthContext, icbs: list[IcbPlan], trusts: dict[str, Organisation]
) -> dict[str, Organisation]:
    """Create the ICBs that are missing and make each trust's ICB its parent.

    An ICB is placed in the region its trusts are in (in whichever region set is loaded).
    """
    existing = {o.code: o for o in Organisation.objects.filter(code__in=[i.code for i in icbs])}
    for icb in icbs:
        if icb.code not in existing:
            existing[icb.code] = people_actions.create_organisation(
                code=icb.code,
                name=icb.name,
                kind=Organisation.Kind.ICB,
                region=trusts[icb.trusts[0]].region if icb.trusts else None,
                by=ctx.by,
            )
    parent_of = {trust: existing[icb.code] for icb in icbs for trust in icb.trusts}
    changed = []
    for trust in trusts.values():
        parent = parent_of[trust.code]
        if trust.parent_id != parent.pk:
            trust.parent = parent
            changed.append(trust)
    if changed:
        Organisation.objects.bulk_update(changed, ["parent"])
        audit.record(
            "demo.synth.trusts_attached_to_icbs", by=ctx.by, detail={"trusts": len(changed)}
        )
    return existing


def headcounts(
    ctx: SynthContext, trusts: list[Organisation], icbs: list[IcbPlan]
) -> dict[str, int]:
    """England-scale staff numbers for every trust and ICB (deterministic in the seed)."""
    rng = ctx.rng("headcounts")
    raw: dict[str, float] = {}
    for trust in sorted(trusts, key=lambda t: t.code):
        median, sigma = facts.TRUST_SIZE[trust_kind(trust.name)]
        raw[trust.code] = rng.lognormvariate(math.log(median), sigma)
    scale = facts.ENGLAND_TRUST_STAFF / sum(raw.values())
    sizes = {
        code: max(facts.MINIMUM_ORGANISATION_STAFF, round(value * scale))
        for code, value in raw.items()
    }
    icb_raw = {
        icb.code: (4 + len(icb.trusts)) * rng.lognormvariate(0.0, facts.ICB_SIZE_SIGMA)
        for icb in icbs
    }
    icb_scale = facts.ENGLAND_ICB_STAFF / sum(icb_raw.values())
    for code, value in icb_raw.items():
        sizes[code] = max(facts.MINIMUM_ORGANISATION_STAFF, round(value * icb_scale))
    return sizes


@synth_stage("organisations", order=100)
def load_organisations(ctx: SynthContext) -> int:
    """Regions, NHS trusts (ODS), integrated care boards, and which of them get staff."""
    people_actions.load_regions(by=ctx.by)
    people_actions.load_ods_trusts(by=ctx.by)
    loaded = Organisation.objects.open_on(timezone.localdate()).filter(
        kind=Organisation.Kind.TRUST, region__isnull=False
    )
    geography = _trust_geography({t.code for t in loaded})
    trusts = [t for t in loaded if t.code in geography]
    icbs = plan_icbs(geography)
    icb_orgs = attach_trusts_to_icbs(ctx=ctx, icbs=icbs, trusts={t.code: t for t in trusts})
    sizes = headcounts(ctx, trusts, icbs)

    def plan(org: Organisation, kind: str, region_code: str, headcount: int) -> OrgPlan:
        return OrgPlan(
            org.pk, org.code, org.name, kind, org.region_id, region_code, org.postcode, headcount
        )

    trust_plans = [
        plan(t, trust_kind(t.name), geography[t.code][0], sizes[t.code])
        for t in sorted(trusts, key=lambda t: t.code)
    ]
    icb_plans = [
        plan(icb_orgs[i.code], facts.ICB, i.region_code, sizes[i.code])
        for i in sorted(icbs, key=lambda i: i.code)
    ]
    if ctx.scale == "trust":
        chosen = [p for p in trust_plans if p.code == ctx.trust_code]
        if not chosen:
            raise SynthError(
                f"No open NHS trust in England has the code {ctx.trust_code!r}. "
                "Use an ODS trust code such as RGT (see manage.py load_ods)."
            )
        ctx.plan = [dataclasses.replace(chosen[0], headcount=facts.TRUST_SCALE_STAFF)]
    elif ctx.scale == "region":
        if ctx.region_code not in facts.ICBS_PER_REGION:
            raise SynthError(
                f"{ctx.region_code!r} is not an NHS England region code. "
                f"Use one of {', '.join(sorted(facts.ICBS_PER_REGION))}."
            )
        ctx.plan = [p for p in trust_plans + icb_plans if p.region_code == ctx.region_code]
    else:
        ctx.plan = trust_plans + icb_plans
    return 0
