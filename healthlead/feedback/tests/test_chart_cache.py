"""Report charts: drawn once when the cycle closes, and there for every process on the host."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from typing import Any

import pytest

from healthlead.accounts.tests.factories import UserFactory
from healthlead.feedback import charts, report_presenters, tasks
from healthlead.feedback.tests.report_helpers import closed_cycle_with_raters, make_questionnaire


def test_a_chart_drawn_once_is_read_from_the_shared_cache_by_another_process():
    arguments = {
        "chart_id": "chart-cache-test",
        "title": "Leading with care: all groups",
        "labels": ["Self", "Peers"],
        "series": [("Mean", "mean", [4.2, 3.6])],
    }
    svg = charts.bar_chart_svg(**arguments)
    key_source = json.dumps(
        [arguments["chart_id"], arguments["title"], arguments["labels"], arguments["series"]],
        sort_keys=True,
        default=str,
    )
    key = "feedback-chart:" + hashlib.sha256(key_source.encode()).hexdigest()
    # Another process on the host reads what this one wrote.
    script = (
        "import django, sys; django.setup(); from django.core.cache import cache; "
        "sys.stdout.write(cache.get(sys.argv[1]) or '')"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, key],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "healthlead.config.settings"},
    )
    assert other.stdout == str(svg)


def _refuse_to_draw(*_: Any, **__: Any) -> str:
    raise AssertionError("A chart was drawn when the report was shown")


@pytest.mark.parametrize("predraw", [True, False])
def test_closing_a_cycle_draws_its_report_charts_in_the_background(
    db: Any, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any, predraw: bool
) -> None:
    settings.HEALTHLEAD_PREDRAW_CHARTS = predraw
    instrument = make_questionnaire(((2, 2), (2,)))
    groups = [("self", 1), ("peers", 3), ("other_colleagues", 3)]
    # Unseeded answers, so these charts are in nobody else's cache.
    with django_capture_on_commit_callbacks(execute=True):
        cycle = closed_cycle_with_raters(instrument, UserFactory(), random.Random(), groups=groups)
    monkeypatch.setattr(charts, "_draw_bars", _refuse_to_draw)
    view = report_presenters.present_report(cycle.report, for_facilitator=True)
    if predraw:
        drawn = charts.report_charts(view)
        assert "<svg" in drawn["overview"]
        assert len(drawn["domains"]) == 2
        assert all("<svg" in svg for svg in drawn["domains"].values())
    else:
        with pytest.raises(AssertionError, match="drawn when the report was shown"):
            charts.report_charts(view)


def test_drawing_the_charts_of_a_report_that_is_gone_does_nothing(db: Any) -> None:
    assert tasks.draw_report_charts.call(2**31 - 1) == 0
