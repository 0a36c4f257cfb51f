"""Fairness reports: the selection funnel by group, with small numbers suppressed, and the
relative likelihood of appointment from shortlisting (as in the NHS Workforce Race Equality
Standard).

Suppression (docs/programmes.md, "Fairness reports"):

1. Primary: a count from 1 to 4 in a breakdown is not shown. Zero is shown.
2. Complementary, per column (a funnel stage): the column's total is shown, so if exactly one
   cell is hidden, or the hidden cells add up to exactly their number (so each would be 1), the
   smallest non-zero shown cell is hidden too, again until neither holds. If no cell is left to
   hide, the column's total is hidden.
3. Between an intake and the national report: a national cell is hidden if the same cell is
   hidden in any intake, since the national figure less the other intakes' would reveal it.
   Then rule 2 runs on the national column as well.
4. A relative likelihood is shown only when every count it is made from is shown.

The overall totals (how many applied, were eligible, ...) are not broken down by anything and
are shown as they are; only group breakdowns are suppressed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

SMALLEST_SHOWN = 5
STAGES = ("applied", "eligible", "shortlisted", "offered", "accepted")
STAGE_LABELS = {
    "applied": "Applied",
    "eligible": "Eligible",
    "shortlisted": "Shortlisted",
    "offered": "Offered a place",
    "accepted": "Accepted",
}


def hidden_in_column(values: list[int], forced: Iterable[int] = ()) -> tuple[set[int], bool]:
    """Which cells of one column to hide (by index), and whether its total must be hidden."""
    hidden = {i for i, v in enumerate(values) if 0 < v < SMALLEST_SHOWN} | set(forced)

    def exposed() -> bool:
        if not hidden:
            return False
        return len(hidden) == 1 or sum(values[i] for i in hidden) == len(hidden)

    while exposed():
        spare = sorted(
            (values[i], i) for i in range(len(values)) if i not in hidden and values[i] > 0
        )
        if not spare:
            return hidden, True
        hidden.add(spare[0][1])
    return hidden, False


@dataclass
class Cell:
    value: int
    shown: bool

    @property
    def text(self) -> str:
        return f"{self.value:,}" if self.shown else "*"


@dataclass
class FunnelRow:
    key: str
    label: str
    cells: dict[str, Cell]


@dataclass
class FunnelTable:
    """One breakdown (by staff group, band, region, sex, ethnicity or disability)."""

    key: str
    title: str
    rows: list[FunnelRow]
    totals: dict[str, Cell]
    likelihoods: list[Likelihood] = field(default_factory=list)

    def hidden(self) -> set[tuple[str, str]]:
        return {
            (row.key, stage) for row in self.rows for stage, c in row.cells.items() if not c.shown
        }

    @property
    def any_hidden(self) -> bool:
        return bool(self.hidden()) or any(not c.shown for c in self.totals.values())


@dataclass(frozen=True)
class Likelihood:
    label: str
    ratio: Decimal | None  # None: not shown (a count it needs is suppressed, or zero)
    explanation: str


def build_table(
    key: str,
    title: str,
    rows: list[tuple[str, str, dict[str, int]]],
    *,
    forced: set[tuple[str, str]] | None = None,
) -> FunnelTable:
    """A breakdown with suppression applied; `forced` cells are hidden whatever their value."""
    forced = forced or set()
    totals = {stage: sum(counts.get(stage, 0) for _, _, counts in rows) for stage in STAGES}
    shown: dict[tuple[str, str], bool] = {}
    total_shown: dict[str, bool] = {}
    for stage in STAGES:
        values = [counts.get(stage, 0) for _, _, counts in rows]
        forced_here = [i for i, (row_key, _, _) in enumerate(rows) if (row_key, stage) in forced]
        hidden, hide_total = hidden_in_column(values, forced_here)
        total_shown[stage] = not hide_total
        for i, (row_key, _, _) in enumerate(rows):
            shown[(row_key, stage)] = i not in hidden
    table_rows = [
        FunnelRow(
            row_key,
            label,
            {stage: Cell(counts.get(stage, 0), shown[(row_key, stage)]) for stage in STAGES},
        )
        for row_key, label, counts in rows
    ]
    table = FunnelTable(
        key,
        title,
        table_rows,
        {stage: Cell(totals[stage], total_shown[stage]) for stage in STAGES},
    )
    table.likelihoods = likelihoods(table)
    return table


def _rate(offered: int, shortlisted: int) -> Decimal:
    return Decimal(offered) / Decimal(shortlisted)


LIKELIHOOD_FORMULA = (
    "Relative likelihood = (offered in the group / shortlisted in the group) / "
    "(offered in the comparison group / shortlisted in the comparison group). 1 means the same "
    "chance; above 1, the group was more likely to be offered a place once shortlisted."
)


def likelihoods(table: FunnelTable) -> list[Likelihood]:
    """Each group's likelihood of being offered a place from shortlisting, relative to everyone
    else shortlisted; for ethnicity, also White relative to Black and minority ethnic (WRES)."""
    found: list[Likelihood] = []
    total_short = table.totals["shortlisted"]
    total_offered = table.totals["offered"]
    for row in table.rows:
        if row.key in {"", "not_answered", "prefer_not", "unknown"}:
            continue
        short, offered = row.cells["shortlisted"], row.cells["offered"]
        rest_short = total_short.value - short.value
        rest_offered = total_offered.value - offered.value
        parts_shown = (
            short.shown
            and offered.shown
            and total_short.shown
            and total_offered.shown
            and short.value > 0
            and rest_short >= SMALLEST_SHOWN
            and rest_offered >= SMALLEST_SHOWN
        )
        if not parts_shown or rest_offered == 0:
            found.append(
                Likelihood(
                    f"{row.label} compared with everyone else",
                    None,
                    "Not shown: too few people to show it without revealing a suppressed count.",
                )
            )
            continue
        ratio = _rate(offered.value, short.value) / _rate(rest_offered, rest_short)
        found.append(
            Likelihood(
                f"{row.label} compared with everyone else",
                ratio.quantize(Decimal("0.01")),
                f"{offered.value} of {short.value} shortlisted were offered a place, against "
                f"{rest_offered} of {rest_short} of everyone else.",
            )
        )
    if table.key == "ethnicity":
        found.insert(0, _wres(table))
    return found


def _wres(table: FunnelTable) -> Likelihood:
    """WRES indicator 2: White staff relative to Black and minority ethnic staff."""
    label = "White applicants compared with Black and minority ethnic applicants (WRES)"
    white = [r for r in table.rows if r.key == "white"]
    minority = [r for r in table.rows if r.key in {"mixed", "asian", "black", "other"}]
    needed = [r.cells[s] for r in white + minority for s in ("shortlisted", "offered")]
    if not white or not minority or not all(c.shown for c in needed):
        return Likelihood(
            label, None, "Not shown: a count it needs is suppressed because it is small."
        )
    w_short = sum(r.cells["shortlisted"].value for r in white)
    w_off = sum(r.cells["offered"].value for r in white)
    m_short = sum(r.cells["shortlisted"].value for r in minority)
    m_off = sum(r.cells["offered"].value for r in minority)
    if not w_short or not m_short or not m_off:
        return Likelihood(
            label, None, "Not shown: no one in one of the groups was offered a place."
        )
    ratio = _rate(w_off, w_short) / _rate(m_off, m_short)
    return Likelihood(
        label,
        ratio.quantize(Decimal("0.01")),
        f"White: {w_off} of {w_short} shortlisted offered a place; Black and minority ethnic: "
        f"{m_off} of {m_short}. Above 1, White applicants were more likely to be offered a place.",
    )


def national_forced(tables: Iterable[FunnelTable]) -> set[tuple[str, str]]:
    """Cells hidden in any intake's table: the national table must hide them too."""
    forced: set[tuple[str, str]] = set()
    for table in tables:
        forced |= table.hidden()
    return forced
