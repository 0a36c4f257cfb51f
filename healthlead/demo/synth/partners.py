"""The patient and public partners stage: a few hundred per region, most with consent given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from healthlead.core import audit
from healthlead.demo.synth import facts, names
from healthlead.demo.synth.clearing import delete_rows
from healthlead.demo.synth.registry import SynthContext, synth_stage
from healthlead.people.models import Partner

EMAIL_DOMAIN = "partners.nhs.example"  # marks synthetic partners (a reserved domain)
# Ofcom keeps 07700 900000-900999 for drama: numbers that never ring anyone.
PHONE_PREFIX = "07700 900"
COLUMNS = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "postcode",
    "region_id",
    "organisation_id",
    "interests",
    "consent_given_at",
    "consent_text_version",
    "consent_withdrawn_at",
    "status",
    "created_at",
]


def clear_partners(ctx: SynthContext) -> int:
    """Remove earlier synthetic partners (emails at partners.nhs.example)."""
    return delete_rows(
        Partner,
        'SELECT id FROM "people_partner" WHERE "email" LIKE %s',
        ["%@" + EMAIL_DOMAIN],
        writer=ctx.writer,
    )


@synth_stage("partners", order=400, clear=clear_partners)
def load_partners(ctx: SynthContext) -> int:
    """Patient and public partners: a few hundred per region in scope."""
    rng = ctx.rng("partners")
    regions: dict[str, list] = {}
    for plan in ctx.plan:
        if plan.region_id is not None and plan.kind != facts.ICB:
            regions.setdefault(plan.region_code, []).append(plan)
    per_region = (
        facts.PARTNERS_AT_TRUST_SCALE if ctx.scale == "trust" else facts.PARTNERS_PER_REGION
    )
    total = per_region * len(regions)
    first_id = ctx.writer.next_ids(Partner, total)
    now = timezone.now()
    joined = dt.datetime.combine(ctx.as_of, dt.time(10, 0), tzinfo=dt.UTC)

    def rows() -> Iterator[tuple[Any, ...]]:
        pk = first_id
        for region_code in sorted(regions):
            trusts = regions[region_code]
            for number in range(per_region):
                first = rng.choice(names.FEMALE if rng.random() < 0.6 else names.MALE)
                last = rng.choice(names.SURNAMES)
                trust = rng.choice(trusts)
                withdrawn = rng.random() < facts.PARTNER_CONSENT_WITHDRAWN
                consented = joined - dt.timedelta(days=rng.randrange(1, 1500))
                interests = [i for i in facts.PARTNER_INTERESTS if rng.random() < 0.6]
                yield (
                    pk,
                    first,
                    last,
                    f"{names.plain(first)}.{names.plain(last)}.{pk}@{EMAIL_DOMAIN}",
                    f"{PHONE_PREFIX}{number % 1000:03d}" if rng.random() < 0.6 else "",
                    trust.postcode.split(" ")[0] if trust.postcode else "",
                    trust.region_id,
                    trust.org_id if ctx.scale == "trust" or rng.random() < 0.7 else None,
                    interests or [facts.PARTNER_INTERESTS[0]],
                    consented,
                    "1",
                    min(joined, consented + dt.timedelta(days=rng.randrange(1, 300)))
                    if withdrawn
                    else None,
                    Partner.Status.WITHDRAWN if withdrawn else Partner.Status.ACTIVE,
                    now,
                )
                pk += 1

    written = ctx.writer.write(Partner, COLUMNS, rows(), label="patient partners", total=total)
    audit.record("demo.synth.partners_loaded", by=ctx.by, detail={"partners": written})
    return written
