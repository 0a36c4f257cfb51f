"""A web process compiles every template when it starts, not on its first requests."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template import engines

from healthlead.config.warmup import compile_templates


def test_every_project_and_design_system_template_is_compiled_at_start():
    env = engines["jinja2"].env
    env.cache.clear()
    count = compile_templates()
    project = len(list((Path(settings.BASE_DIR) / "healthlead").glob("*/jinja2/**/*.jinja")))
    assert count > project  # the project's templates and the NHS.UK frontend's
    cached = {key[1] for key in env.cache.keys()}  # noqa: SIM118 (an LRU cache, not a dict)
    assert "feedback/answer_section.jinja" in cached
    assert "nhsuk/components/radios/macro.jinja" in cached
    assert len(cached) == count  # the cache holds them all: none was pushed out
