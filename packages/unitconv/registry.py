"""The unit table: `Unit` records and the `Registry` that looks them up by symbol or alias."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from importlib.resources import files
from typing import Any


class UnitError(ValueError):
    """An unknown or ambiguous unit, a bad unit table, or a conversion between dimensions."""


@dataclass(frozen=True)
class Unit:
    """One unit: a value ``v`` in it is ``(v + offset) * factor`` in its dimension's base unit.

    Factors and offsets are exact fractions, so ``-40 F`` is exactly ``-40 C``.
    """

    symbol: str
    name: str
    dimension: str
    factor: Fraction
    offset: Fraction = Fraction(0)
    aliases: tuple[str, ...] = field(default=(), compare=False)

    def to_base(self, value: float | Fraction) -> Fraction:
        """Express ``value`` (in this unit) in the base unit of the dimension, exactly."""
        return (Fraction(value) + self.offset) * self.factor

    def from_base(self, value: float | Fraction) -> Fraction:
        """Express ``value`` (in the base unit of the dimension) in this unit, exactly."""
        return Fraction(value) / self.factor - self.offset

    @property
    def is_affine(self) -> bool:
        """True for units with a zero point of their own (Celsius, Fahrenheit)."""
        return self.offset != 0

    def __str__(self) -> str:
        return self.symbol


def _number(value: Any, where: str) -> Fraction:
    """Read a factor or offset: a JSON number or an exact fraction written as ``"5/9"``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Fraction):
        raise UnitError(f"{where}: expected a number or a fraction string, got {value!r}")
    try:
        # repr() keeps the decimal a float was written with: 0.0254 stays 254/10000.
        return Fraction(repr(value) if isinstance(value, float) else value)
    except (ValueError, ZeroDivisionError) as exc:
        raise UnitError(f"{where}: bad number {value!r}") from exc


class Registry(Mapping[str, Unit]):
    """Units by symbol, with lookup by symbol or alias (exact first, then case-insensitive)."""

    def __init__(self, units: list[Unit], bases: Mapping[str, str]) -> None:
        self._units = {unit.symbol: unit for unit in units}
        self.bases = dict(bases)
        self._names: dict[str, Unit] = {}
        for unit in units:
            for key in (unit.symbol, *unit.aliases):
                other = self._names.setdefault(key, unit)
                if other is not unit:
                    raise UnitError(f"{key!r} names both {other.symbol!r} and {unit.symbol!r}")
        self._folded: dict[str, set[str]] = {}
        for key, unit in self._names.items():
            self._folded.setdefault(key.casefold(), set()).add(unit.symbol)

    @classmethod
    def from_dict(cls, table: Mapping[str, Any]) -> Registry:
        """Build a registry from the parsed ``units.json`` layout."""
        units: list[Unit] = []
        bases: dict[str, str] = {}
        try:
            dimensions = table["dimensions"]
            for dimension, spec in dimensions.items():
                bases[dimension] = spec["base"]
                for symbol, entry in spec["units"].items():
                    where = f"unit {symbol!r}"
                    units.append(
                        Unit(
                            symbol=symbol,
                            name=entry.get("name", symbol),
                            dimension=dimension,
                            factor=_number(entry.get("factor", 1), where),
                            offset=_number(entry.get("offset", 0), where),
                            aliases=tuple(entry.get("aliases", ())),
                        )
                    )
                if spec["base"] not in spec["units"]:
                    raise UnitError(f"base unit {spec['base']!r} of {dimension!r} is not defined")
        except (KeyError, TypeError, AttributeError) as exc:
            raise UnitError(f"malformed unit table: {exc!r}") from exc
        if any(unit.factor == 0 for unit in units):
            raise UnitError("a unit has a zero factor")
        return cls(units, bases)

    def __getitem__(self, symbol: str) -> Unit:
        return self._units[symbol]

    def __iter__(self) -> Iterator[str]:
        return iter(self._units)

    def __len__(self) -> int:
        return len(self._units)

    def dimensions(self) -> list[str]:
        """The dimension names, in table order."""
        return list(self.bases)

    def in_dimension(self, dimension: str) -> list[Unit]:
        """The units of one dimension, in table order."""
        if dimension not in self.bases:
            raise UnitError(f"unknown dimension {dimension!r} (known: {', '.join(self.bases)})")
        return [unit for unit in self._units.values() if unit.dimension == dimension]

    def lookup(self, name: str | Unit) -> Unit:
        """Find a unit by symbol or alias; case-insensitively when that is unambiguous."""
        if isinstance(name, Unit):
            return name
        key = name.strip()
        if key in self._names:
            return self._names[key]
        candidates = self._folded.get(key.casefold(), set())
        if len(candidates) == 1:
            return self._units[next(iter(candidates))]
        if candidates:
            raise UnitError(f"ambiguous unit {name!r}: could be {', '.join(sorted(candidates))}")
        close = difflib.get_close_matches(key, self._names, n=3, cutoff=0.75)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        raise UnitError(f"unknown unit {name!r}{hint}")


def load_registry(path: str | None = None) -> Registry:
    """Load a unit table from ``path``, or the table shipped in the package's artifacts."""
    if path is None:
        return default_registry()
    with open(path, encoding="utf-8") as handle:
        return Registry.from_dict(json.load(handle, parse_float=Fraction))


@cache
def default_registry() -> Registry:
    """The registry of the shipped ``artifacts/units.json`` (loaded once)."""
    resource = files("unitconv") / "artifacts" / "units.json"
    return Registry.from_dict(
        json.loads(resource.read_text(encoding="utf-8"), parse_float=Fraction)
    )
