"""`Quantity`: a number with a unit, convertible and comparable within its dimension."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import total_ordering

from .registry import Registry, Unit, UnitError, default_registry

_QUANTITY = re.compile(
    r"^\s*(?P<value>[+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<unit>.*?)\s*$"
)


@total_ordering
@dataclass(frozen=True, eq=False, init=False, repr=False)
class Quantity:
    """A value in a unit.

    >>> Quantity(5, "km").to("mi")
    Quantity(3.1068559611866697, 'mi')
    >>> Quantity.parse("-40 F").to("C").value
    -40.0
    >>> Quantity(1, "GiB") > Quantity(1, "GB")
    True
    """

    value: float
    unit: Unit

    def __init__(self, value: float, unit: str | Unit, registry: Registry | None = None) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"value must be a number, not {type(value).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"value must be finite, not {value!r}")
        resolved = (registry or default_registry()).lookup(unit)
        object.__setattr__(self, "value", float(value))
        object.__setattr__(self, "unit", resolved)

    @classmethod
    def parse(cls, text: str, registry: Registry | None = None) -> Quantity:
        """Read ``"5 km"``, ``"5km"``, ``"-3.5e2 m"`` or ``"1_000 B"``."""
        match = _QUANTITY.match(text)
        if not match or not match["unit"]:
            raise UnitError(f"cannot read a quantity from {text!r} (expected e.g. '5 km')")
        return cls(float(match["value"]), match["unit"], registry)

    @property
    def dimension(self) -> str:
        """The dimension of the unit, e.g. ``"length"``."""
        return self.unit.dimension

    @property
    def base_value(self) -> float:
        """The value expressed in the dimension's base unit."""
        return float(self.unit.to_base(self.value))

    def to(self, unit: str | Unit, registry: Registry | None = None) -> Quantity:
        """Convert to another unit of the same dimension."""
        target = (registry or default_registry()).lookup(unit)
        if target.dimension != self.dimension:
            raise UnitError(
                f"cannot convert {self.unit.symbol} ({self.dimension}) "
                f"to {target.symbol} ({target.dimension})"
            )
        return Quantity(float(target.from_base(self.unit.to_base(self.value))), target, registry)

    def _same_dimension(self, other: object, operation: str) -> Quantity:
        if not isinstance(other, Quantity):
            raise TypeError(f"cannot {operation} Quantity and {type(other).__name__}")
        if other.dimension != self.dimension:
            raise UnitError(f"cannot {operation} {self.dimension} and {other.dimension}")
        return other

    def _linear(self, operation: str) -> None:
        if self.unit.is_affine:
            raise UnitError(f"cannot {operation} {self.unit.symbol}: convert to an absolute unit")

    def __add__(self, other: Quantity) -> Quantity:
        other = self._same_dimension(other, "add")
        self._linear("add")
        return Quantity(self.value + other.to(self.unit).value, self.unit)

    def __sub__(self, other: Quantity) -> Quantity:
        other = self._same_dimension(other, "subtract")
        self._linear("subtract")
        return Quantity(self.value - other.to(self.unit).value, self.unit)

    def __mul__(self, factor: float) -> Quantity:
        if isinstance(factor, bool) or not isinstance(factor, int | float):
            return NotImplemented
        self._linear("scale")
        return Quantity(self.value * factor, self.unit)

    __rmul__ = __mul__

    def __truediv__(self, other: float | Quantity) -> Quantity | float:
        """Divide by a number (a quantity) or by a quantity of the same dimension (a ratio)."""
        if isinstance(other, Quantity):
            self._same_dimension(other, "divide")
            return float(self.unit.to_base(self.value) / other.unit.to_base(other.value))
        if isinstance(other, bool) or not isinstance(other, int | float):
            return NotImplemented
        self._linear("scale")
        return Quantity(self.value / other, self.unit)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity) or other.dimension != self.dimension:
            return NotImplemented
        return math.isclose(self.base_value, other.base_value, rel_tol=1e-12, abs_tol=1e-12)

    def __lt__(self, other: Quantity) -> bool:
        self._same_dimension(other, "compare")
        return self.base_value < other.base_value and self != other

    def __hash__(self) -> int:
        return hash(self.dimension)  # equality is approximate, so only the dimension

    def __repr__(self) -> str:
        return f"Quantity({self.value!r}, {self.unit.symbol!r})"

    def __format__(self, spec: str) -> str:
        return f"{format(self.value, spec or 'g')} {self.unit.symbol}"

    def __str__(self) -> str:
        return format(self)


def convert(value: float, from_unit: str | Unit, to_unit: str | Unit) -> float:
    """Convert a bare number between two units.

    >>> convert(100, "C", "F")
    212.0
    >>> convert(1, "MiB", "kB")
    1048.576
    """
    return Quantity(value, from_unit).to(to_unit).value
