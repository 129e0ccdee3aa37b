"""Tests of tripcost, which works on top of the sibling package unitconv."""

import subprocess
import sys

import pytest
import tripcost
from tripcost import Consumption, Price, TripError, TripEstimate, estimate, main
from unitconv import Quantity, UnitError


@pytest.mark.parametrize(
    ("text", "fuel", "distance"),
    [
        ("6.5 L/100km", Quantity(6.5, "L"), Quantity(100, "km")),
        ("6.5L / 100 km", Quantity(6.5, "L"), Quantity(100, "km")),
        ("0.065 L/km", Quantity(0.065, "L"), Quantity(1, "km")),
        ("35 mpg", Quantity(1, "gal"), Quantity(35, "mi")),
        ("35 MPG", Quantity(1, "gal"), Quantity(35, "mi")),
        ("40 mpg_imp", Quantity(1, "imp_gal"), Quantity(40, "mi")),
        ("15 km/L", Quantity(1, "L"), Quantity(15, "km")),
        ("17 kWh/100 km", Quantity(17, "kWh"), Quantity(100, "km")),
    ],
)
def test_consumption_parse(text, fuel, distance):
    consumption = Consumption.parse(text)
    assert consumption.fuel == fuel
    assert consumption.fuel.unit == fuel.unit
    assert consumption.distance == distance


def test_consumption_conversions():
    assert Consumption.parse("35 mpg").rate("L") == pytest.approx(235.2146 / 35, abs=1e-4)
    assert Consumption.parse("6.5 L/100km").economy("mi", "gal") == pytest.approx(36.19, abs=0.01)
    assert Consumption.parse("15 km/L").rate("L", "150 km") == pytest.approx(10)
    fuel = Consumption.parse("8 L/100km").fuel_for(Quantity(250, "km"))
    assert fuel.unit.symbol == "L" and fuel.value == pytest.approx(20)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("6.5 L", "expected e.g."),
        ("1/2/3", "expected e.g."),
        ("6.5 L/100 s", "s is not a distance"),
        ("100 km/5 mi", "mi cannot measure fuel"),
        ("5 C/100km", "C cannot measure fuel"),
        ("0 L/100km", "must be positive"),
        ("6.5 litres/100 lightyears", "unknown unit 'lightyears'"),
    ],
)
def test_consumption_errors(text, message):
    with pytest.raises(TripError, match=message):
        Consumption.parse(text)


@pytest.mark.parametrize(
    ("text", "amount", "per", "currency"),
    [
        ("1.85/L", 1.85, Quantity(1, "L"), ""),
        ("1.85 EUR/L", 1.85, Quantity(1, "L"), "EUR"),
        ("$3.49/gal", 3.49, Quantity(1, "gal"), "$"),
        ("£1.45 / litre", 1.45, Quantity(1, "L"), "£"),
        ("12 CHF/10 L", 12, Quantity(10, "L"), "CHF"),
        ("0.32/kWh", 0.32, Quantity(1, "kWh"), ""),
    ],
)
def test_price_parse(text, amount, per, currency):
    assert Price.parse(text) == Price(amount, per, currency)


@pytest.mark.parametrize("text", ["1.85", "EUR/L", "$1.85 EUR/L", "1.85/parsec"])
def test_price_errors(text):
    with pytest.raises(TripError):
        Price.parse(text)


def test_estimate_metric_round_trip_split():
    trip = estimate("420 km", "6.5 L/100km", "1.85 EUR/L", round_trip=True, passengers=3)
    assert trip.distance == Quantity(840, "km")
    assert trip.fuel.value == pytest.approx(54.6)
    assert trip.cost == 101.01
    assert trip.cost_per_person == 33.67
    assert str(trip) == "840 km: 54.6 L, 101.01 EUR (33.67 EUR each for 3)"


def test_estimate_mixes_units():
    # Miles driven, consumption in L/100km, fuel priced per US gallon.
    trip = estimate("100 mi", "5 L/100km", "$4/gal")
    litres = 5 * 160.9344 / 100
    assert trip.fuel.unit.symbol == "L"
    assert trip.fuel.value == pytest.approx(litres)
    assert trip.cost == round(4 * litres / 3.785411784, 2)
    assert str(trip).endswith(f"${trip.cost:.2f}")


def test_estimate_electric_and_objects():
    consumption = Consumption(Quantity(17, "kWh"), Quantity(100, "km"))
    price = Price(0.32, Quantity(1, "kWh"))
    trip = estimate(Quantity(300, "km"), consumption, price)
    assert trip == TripEstimate(Quantity(300, "km"), Quantity(51, "kWh"), 16.32, "", 1)
    assert str(trip) == "300 km: 51 kWh, 16.32"


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (("5 kg", "6 L/100km", "1/L"), {}, TripError, "expected a length"),
        (("-5 km", "6 L/100km", "1/L"), {}, TripError, "expected a length"),
        (("5 km", "6 L/100km", "1/kWh"), {}, TripError, "price is per kWh"),
        (("5 km", "6 L/100km", "1/L"), {"passengers": 0}, TripError, "at least one"),
        (("5 furlongz", "6 L/100km", "1/L"), {}, ValueError, "unknown unit"),
    ],
)
def test_estimate_errors(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        estimate(*args, **kwargs)
    assert issubclass(TripError, ValueError) and issubclass(UnitError, ValueError)


def test_main(capsys):
    assert main(["260mi", "35mpg", "$3.49/gal", "-n", "2"]) == 0
    assert capsys.readouterr().out == "260 mi: 7.429 gal, $25.93 ($12.96 each for 2)\n"
    assert main(["420 km", "6.5 L/100km", "1.85/L", "--round-trip", "--fuel-unit", "gal"]) == 0
    assert capsys.readouterr().out == "840 km: 14.42 gal, 101.01\n"
    assert main(["420 km", "6.5 L/100km", "1.85/kWh"]) == 1
    assert "tripcost: error: price is per kWh" in capsys.readouterr().err


def test_run_as_module():
    result = subprocess.run(
        [sys.executable, "-m", "tripcost", "100km", "15 km/L", "2 EUR/L"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "100 km: 6.667 L, 13.33 EUR\n"


def test_module_metadata():
    assert tripcost.__doc__.splitlines()[0].startswith("Estimate the fuel")
    assert "Consumption" in tripcost.__all__
