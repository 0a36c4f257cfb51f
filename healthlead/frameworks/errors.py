"""The one error the frameworks actions raise: a plain-English refusal."""

from __future__ import annotations


class FrameworkError(Exception):
    """An action refused. `problems` lists every reason when there are several."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = problems or [message]
