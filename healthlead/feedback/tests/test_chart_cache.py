"""A report chart drawn by one process is there for the others on the host."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from healthlead.feedback import charts


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
