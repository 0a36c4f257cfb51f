"""The stages of `manage.py synth`, registered by any Healthlead app.

An app adds its own synthetic data in a module named `synth` (a `synth.py` file or a package):

    from healthlead.demo.synth.registry import SynthContext, synth_stage

    def clear_cycles(ctx: SynthContext) -> int:
        ...  # delete what load_cycles made; return the number of rows removed

    @synth_stage("feedback_cycles", order=500, clear=clear_cycles)
    def load_cycles(ctx: SynthContext) -> int:
        staff = ctx.require_staff()
        rows = (...)  # tuples, one per row, built with ctx.rng("feedback_cycles")
        return ctx.writer.write(FeedbackCycle, ["id", "subject_id", ...], rows, label="360 cycles")

Stages run in `order` (lowest first): 100 organisations, 200 staff, 300 equality answers, 400
patient partners; later capabilities take 500 and above. Before loading, the `clear` functions of
every stage run in the reverse order, so each stage removes its own rows before the rows they
point at go. Every stage must be deterministic: draw only from `ctx.rng(...)` and allocate ids with
`ctx.writer.next_ids(...)`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.apps import apps

from healthlead.core.actors import System

if TYPE_CHECKING:
    from healthlead.demo.synth.plan import OrgPlan
    from healthlead.demo.synth.staff import StaffIndex
    from healthlead.demo.synth.writer import BulkWriter

StageFunc = Callable[["SynthContext"], int]


class Writable(Protocol):
    """Anywhere text can go: a file, sys.stdout, a management command's output wrapper."""

    def write(self, text: str, /) -> Any: ...


class SynthError(Exception):
    """A synthetic-data run cannot go ahead; the message says why in plain English."""


@dataclass(frozen=True)
class Stage:
    name: str
    order: int
    load: StageFunc
    clear: StageFunc | None
    description: str
    # Runs once every stage has loaded and the bulk writer has rebuilt keys and indexes:
    # for derived figures that are computed from the loaded rows by the product's own code.
    after: Callable[[SynthContext], Any] | None = None


STAGES: dict[str, Stage] = {}


def synth_stage(
    name: str,
    *,
    order: int,
    clear: StageFunc | None = None,
    after: Callable[[SynthContext], Any] | None = None,
) -> Callable[[StageFunc], StageFunc]:
    """Register `func(ctx) -> rows written` as a stage of `manage.py synth` (`after(ctx)`, if
    given, runs once all stages have loaded and indexes are back)."""

    def register(func: StageFunc) -> StageFunc:
        description = (func.__doc__ or name).strip().splitlines()[0]
        STAGES[name] = Stage(name, order, func, clear, description, after)
        return func

    return register


def discover_stages() -> list[Stage]:
    """Import every installed Healthlead app's `synth` module; return the stages in order."""
    for config in apps.get_app_configs():
        if not config.name.startswith("healthlead."):
            continue
        module_name = f"{config.name}.synth"
        try:
            importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
    return sorted(STAGES.values(), key=lambda stage: (stage.order, stage.name))


SCALES = ("trust", "region", "england")


@dataclass
class SynthContext:
    """What every stage sees: the scale, the seed, the plan of organisations and the writer."""

    scale: str
    seed: int
    as_of: dt.date
    writer: BulkWriter
    progress: Callable[[str, int], Any]
    stdout: Writable
    trust_code: str
    region_code: str
    by: System = field(default_factory=lambda: System("synth"))
    plan: list[OrgPlan] = field(default_factory=list)
    staff: StaffIndex | None = None
    rows: dict[str, int] = field(default_factory=dict)

    def rng(self, *names: str) -> random.Random:
        """A random stream that depends only on the seed and the names given."""
        return random.Random(":".join([str(self.seed), *names]))  # noqa: S311 (synthetic data)

    def require_staff(self) -> StaffIndex:
        if self.staff is None:
            raise SynthError("The staff stage has not run: later stages need its staff index.")
        return self.staff

    def say(self, message: str) -> None:
        self.stdout.write(message + "\n")
