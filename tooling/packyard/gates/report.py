"""What a quality gate found: :class:`GateReport`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class GateReport:
    """The outcome of one gate for one package.

    Attributes:
        gate: ``licenses``, ``audit`` or ``lint``.
        package: the import name.
        lines: what was checked, one line each (shown whether or not it passed).
        problems: why it fails, one line each; empty when the gate passes.
        data: the details, JSON-ready (``--json`` output).
    """

    gate: str
    package: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the gate passed."""
        return not self.problems

    def summary(self) -> str:
        """One line: ``licenses-NAME: passed`` or ``licenses-NAME: 2 problem(s)``."""
        state = "passed" if self.ok else f"FAILED, {len(self.problems)} problem(s)"
        return f"{self.gate}-{self.package}: {state}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: gate, package, ok, lines, problems, data."""
        return {
            "gate": self.gate,
            "package": self.package,
            "ok": self.ok,
            "lines": self.lines,
            "problems": self.problems,
            "data": self.data,
        }
