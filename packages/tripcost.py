# /// script
# requires-python = ">=3.10"
# [tool.packyard]
# keywords = ["fuel", "trip", "cost", "mpg", "consumption", "units"]
# license = "MIT"
# authors = [{ name = "packyard examples" }]
# ///
"""Estimate the fuel (or energy) and the cost of a trip, with every figure in any unit.

`tripcost` reads distances, consumptions and prices the way people write them and
converts with the sibling package `unitconv`:

```python
from tripcost import estimate

trip = estimate("420 km", "6.5 L/100km", "1.85 EUR/L", round_trip=True, passengers=3)
trip.fuel          # Quantity(54.6, 'L')
trip.cost          # 101.01
print(trip)        # 840 km: 54.6 L, 101.01 EUR (33.67 EUR each for 3)

estimate("260 mi", "35 mpg", "$3.49/gal").cost      # 25.93
estimate("300 km", "17 kWh/100km", "0.32/kWh").cost  # 16.32, an electric car
```

A consumption is fuel per distance (`6.5 L/100km`, `17 kWh/100 km`) or distance
per fuel (`35 mpg`, `15 km/L`, `40 mi/imp_gal`); a price is an amount per unit of
fuel with an optional currency (`1.85/L`, `1.85 EUR/L`, `$3.49/gal`). Units that
do not fit together raise `TripError` (a `ValueError`).

Run `python -m tripcost 420km "6.5 L/100km" 1.85/L --round-trip` for the same from
a shell.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass

from unitconv import Quantity, UnitError

__all__ = ["Consumption", "Price", "TripError", "TripEstimate", "estimate", "main"]

#: Consumption units written as one word, and what they stand for.
ALIASES = {"mpg": "mi/gal", "mpg_us": "mi/gal", "mpg_imp": "mi/imp_gal", "kmpl": "km/L"}

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PRICE = re.compile(
    rf"^\s*(?P<pre>[^\d\s.+-]*)\s*(?P<amount>{_NUMBER})\s*(?P<post>[^\d\s/]*)\s*/\s*(?P<per>.+?)\s*$"
)


class TripError(ValueError):
    """A distance, consumption or price that cannot be read or does not fit the others."""


def _quantity(text: str | Quantity, what: str) -> Quantity:
    """Read ``"100 km"`` or a bare unit ``"km"`` (meaning 1 km)."""
    if isinstance(text, Quantity):
        return text
    try:
        stripped = text.strip()
        if re.match(r"[+-]?[\d.]", stripped):
            return Quantity.parse(stripped)
        return Quantity(1, stripped)
    except UnitError as exc:
        raise TripError(f"{what}: {exc}") from exc


@dataclass(frozen=True)
class Consumption:
    """An amount of ``fuel`` (a volume, an energy...) that covers ``distance``.

    >>> round(Consumption.parse("35 mpg").rate("L", "100 km"), 3)
    6.72
    >>> round(Consumption.parse("6.5 L/100km").economy("mi", "gal"), 1)
    36.2
    """

    fuel: Quantity
    distance: Quantity

    def __post_init__(self) -> None:
        if self.distance.dimension != "length":
            raise TripError(f"consumption: {self.distance.unit} is not a distance")
        if self.fuel.dimension == "length" or self.fuel.unit.is_affine:
            raise TripError(f"consumption: {self.fuel.unit} cannot measure fuel")
        if self.fuel.value <= 0 or self.distance.value <= 0:
            raise TripError("consumption: fuel and distance must be positive")

    @classmethod
    def parse(cls, text: str) -> Consumption:
        """Read ``"6.5 L/100km"``, ``"35 mpg"``, ``"15 km/L"`` or ``"17 kWh/100 km"``."""
        match = re.fullmatch(rf"\s*({_NUMBER})\s*(\w+)\s*", text)
        if match and match[2].lower() in ALIASES:
            text = f"{match[1]} {ALIASES[match[2].lower()]}"
        if text.count("/") != 1:
            raise TripError(f"consumption: expected e.g. '6.5 L/100km' or '35 mpg', got {text!r}")
        top, bottom = (_quantity(part, "consumption") for part in text.split("/"))
        if top.dimension == "length":  # distance per fuel: 35 mi/gal = 1 gal per 35 mi
            return cls(fuel=bottom, distance=top)
        return cls(fuel=top, distance=bottom)

    def fuel_for(self, distance: Quantity) -> Quantity:
        """The fuel used over ``distance``, in this consumption's fuel unit."""
        if distance.dimension != "length":
            raise TripError(f"distance: {distance.unit} is not a distance")
        return self.fuel * (distance / self.distance)

    def rate(self, fuel_unit: str, per: str = "100 km") -> float:
        """Fuel per distance in other units, e.g. litres per 100 km."""
        return self.fuel_for(_quantity(per, "distance")).to(fuel_unit).value

    def economy(self, distance_unit: str, fuel_unit: str) -> float:
        """Distance per unit of fuel, e.g. miles per gallon."""
        fuel_per_distance = self.rate(fuel_unit, f"1 {distance_unit}")
        return 1 / fuel_per_distance


@dataclass(frozen=True)
class Price:
    """``amount`` (in ``currency``) for ``per`` of fuel, e.g. 1.85 EUR per 1 L."""

    amount: float
    per: Quantity
    currency: str = ""

    @classmethod
    def parse(cls, text: str) -> Price:
        """Read ``"1.85/L"``, ``"1.85 EUR/L"``, ``"$3.49/gal"`` or ``"0.32/kWh"``.

        >>> Price.parse("$3.49/gal")
        Price(amount=3.49, per=Quantity(1.0, 'gal'), currency='$')
        """
        match = _PRICE.match(text)
        if not match:
            raise TripError(f"price: expected e.g. '1.85/L' or '$3.49/gal', got {text!r}")
        if match["pre"] and match["post"]:
            raise TripError(f"price: two currencies in {text!r}")
        per = _quantity(match["per"], "price")
        return cls(float(match["amount"]), per, match["pre"] or match["post"])

    def cost_of(self, fuel: Quantity) -> float:
        """What ``fuel`` costs at this price."""
        if fuel.dimension != self.per.dimension:
            raise TripError(
                f"price is per {self.per.unit} ({self.per.dimension}) "
                f"but the fuel is measured in {fuel.unit} ({fuel.dimension})"
            )
        return self.amount * (fuel / self.per)


@dataclass(frozen=True)
class TripEstimate:
    """The outcome of `estimate`: the distance driven, the fuel used and what it costs."""

    distance: Quantity
    fuel: Quantity
    cost: float
    currency: str = ""
    passengers: int = 1

    @property
    def cost_per_person(self) -> float:
        """The cost split evenly between the passengers."""
        return round(self.cost / self.passengers, 2)

    def _money(self, amount: float) -> str:
        if len(self.currency) == 1 and not self.currency.isalpha():
            return f"{self.currency}{amount:.2f}"
        return f"{amount:.2f} {self.currency}".rstrip()

    def __str__(self) -> str:
        text = f"{self.distance:.4g}: {self.fuel:.4g}, {self._money(self.cost)}"
        if self.passengers > 1:
            text += f" ({self._money(self.cost_per_person)} each for {self.passengers})"
        return text


def estimate(
    distance: str | Quantity,
    consumption: str | Consumption,
    price: str | Price,
    *,
    round_trip: bool = False,
    passengers: int = 1,
) -> TripEstimate:
    """Estimate the fuel and cost of driving ``distance``.

    >>> print(estimate("420 km", "6.5 L/100km", "1.85 EUR/L", round_trip=True, passengers=3))
    840 km: 54.6 L, 101.01 EUR (33.67 EUR each for 3)
    >>> estimate("260 mi", "35 mpg", "$3.49/gal").cost
    25.93
    """
    if passengers < 1:
        raise TripError("passengers: at least one")
    way = _quantity(distance, "distance")
    if way.dimension != "length" or way.value < 0:
        raise TripError(f"distance: expected a length such as '420 km', got {distance!r}")
    if isinstance(consumption, str):
        consumption = Consumption.parse(consumption)
    if isinstance(price, str):
        price = Price.parse(price)
    total = way * 2 if round_trip else way
    fuel = consumption.fuel_for(total)
    cost = round(price.cost_of(fuel), 2)
    return TripEstimate(total, fuel, cost, price.currency, passengers)


def main(argv: list[str] | None = None) -> int:
    """``python -m tripcost DISTANCE CONSUMPTION PRICE``: print the estimate."""
    parser = argparse.ArgumentParser(prog="tripcost", description=__doc__.splitlines()[0])
    parser.add_argument("distance", help="e.g. '420 km' or 260mi")
    parser.add_argument("consumption", help="e.g. '6.5 L/100km', 35mpg or '17 kWh/100km'")
    parser.add_argument("price", help="e.g. 1.85/L, '1.85 EUR/L' or '$3.49/gal'")
    parser.add_argument("-r", "--round-trip", action="store_true", help="there and back")
    parser.add_argument("-n", "--passengers", type=int, default=1, help="split the cost")
    parser.add_argument("--fuel-unit", help="show the fuel in this unit, e.g. gal")
    args = parser.parse_args(argv)
    try:
        trip = estimate(
            args.distance,
            args.consumption,
            args.price,
            round_trip=args.round_trip,
            passengers=args.passengers,
        )
        if args.fuel_unit:
            trip = TripEstimate(
                trip.distance,
                trip.fuel.to(args.fuel_unit),
                trip.cost,
                trip.currency,
                trip.passengers,
            )
    except ValueError as exc:  # TripError and UnitError
        print(f"tripcost: error: {exc}", file=sys.stderr)
        return 1
    print(trip)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
