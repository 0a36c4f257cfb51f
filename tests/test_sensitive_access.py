"""Views and API handlers never reach sensitive data through `Model.objects`.

360 responses, appraisals, talent ratings and equality answers are read only through
their scoped owner (a query function that applies the permission scope, or a related
manager such as `cycle.responses`). This test reads the source of every view and API
module and fails if one names a sensitive model's default manager.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "healthlead"

# Models whose rows are someone's personal, sensitive data.
SENSITIVE_MODELS = {
    "EqualityAnswers",
    "Response",
    "Answer",
    "ImportanceRating",
    "Comment",
    "SelfAssessment",
    "Report",
    "Appraisal",
    "AppraisalSignOff",
    "TalentRating",
    "TalentProfile",
    "TalentConversation",
    "PoolViewLog",
    "DevelopmentPlan",
    "Goal",
    "GoalAction",
    "Evidence",
    "PlanReview",
    "AppraisalStateChange",
    "AppraisalAddendum",
    "TalentRatingChange",
    "TalentReview",
    "ConsentRecord",
    "PoolEntry",
    "PoolEntryScore",
    "PoolEntryProgramme",
    "PoolSearch",
    "ShortlistEntry",
    "SuccessionCandidate",
}


def _boundary_modules() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        name = path.name
        if name == "api.py" or name == "views.py" or name.endswith("_views.py"):
            files.append(path)
    return sorted(files)


def _violations(path: Path, root: Path = ROOT.parent) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"objects", "_default_manager", "_base_manager"}
            and isinstance(node.value, ast.Name)
            and node.value.id in SENSITIVE_MODELS
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_boundary_modules_are_found():
    names = {p.name for p in _boundary_modules()}
    assert "views.py" in names
    assert "api.py" in names


def test_no_view_or_api_reaches_sensitive_models_directly():
    violations = [v for path in _boundary_modules() for v in _violations(path)]
    assert violations == [], "Reach these through their scoped owner:\n" + "\n".join(violations)


def test_the_check_catches_a_direct_read(tmp_path):
    bad = tmp_path / "views.py"
    bad.write_text("def v(request):\n    return EqualityAnswers.objects.all()\n")
    assert _violations(bad, root=tmp_path) == ["views.py:2 EqualityAnswers.objects"]
