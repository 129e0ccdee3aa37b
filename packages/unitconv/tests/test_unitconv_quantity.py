"""The Quantity API and convert()."""

import pytest
import unitconv
from unitconv import Quantity, UnitError, convert


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (5, "km", "mi", 3.106855961),
        (1, "mi", "ft", 5280),
        (12, "in", "ft", 1),
        (1, "lb", "g", 453.59237),
        (90, "min", "h", 1.5),
        (1, "wk", "s", 604800),
        (1, "GiB", "MB", 1073.741824),
        (8, "bit", "B", 1),
        (100, "Mb", "MB", 12.5),
        (1, "gal", "L", 3.785411784),
        (1, "kWh", "MJ", 3.6),
        (0, "K", "C", -273.15),
        (491.67, "R", "F", 32),
    ],
)
def test_convert(value, source, target, expected):
    assert convert(value, source, target) == pytest.approx(expected)


def test_temperature_offsets_are_exact():
    assert convert(-40, "F", "C") == -40.0
    assert convert(100, "C", "F") == 212.0
    assert convert(32, "degF", "celsius") == 0.0
    assert Quantity(20, "C").to("K").value == pytest.approx(293.15)


def test_round_trip_preserves_value():
    original = Quantity(123.456, "yd")
    assert original.to("nmi").to("yd").value == pytest.approx(123.456, rel=1e-15)


def test_lookup_by_alias_and_case():
    assert Quantity(1, "kilometres").unit.symbol == "km"
    assert Quantity(1, "KB").unit.symbol == "kB"
    assert Quantity(1, "°C").unit.symbol == "C"


def test_ambiguous_and_unknown_units():
    with pytest.raises(UnitError, match="ambiguous"):
        Quantity(1, "mb")
    with pytest.raises(UnitError, match="did you mean 'kilometre'"):
        Quantity(1, "kilometr")
    with pytest.raises(UnitError, match="unknown unit 'parsec'"):
        Quantity(1, "parsec")


def test_cross_dimension_conversion_fails():
    with pytest.raises(UnitError, match=r"cannot convert kg \(mass\) to m \(length\)"):
        Quantity(1, "kg").to("m")
    assert issubclass(UnitError, ValueError)


def test_parse():
    assert Quantity.parse("5km") == Quantity(5, "km")
    assert Quantity.parse("  -3.5e2 m ") == Quantity(-350, "m")
    assert Quantity.parse("1_000 B") == Quantity(1, "kB")
    for bad in ["km", "5", "five km", ""]:
        with pytest.raises(UnitError):
            Quantity.parse(bad)


def test_arithmetic_and_comparison():
    assert Quantity(1, "h") + Quantity(30, "min") == Quantity(1.5, "h")
    assert Quantity(1, "km") - Quantity(1, "m") == Quantity(999, "m")
    assert 2 * Quantity(3, "kg") == Quantity(6, "kg")
    assert Quantity(6, "kg") / 3 == Quantity(2000, "g")
    assert Quantity(1, "mi") / Quantity(1, "km") == pytest.approx(1.609344)
    assert Quantity(1, "GiB") > Quantity(1, "GB")
    assert sorted([Quantity(1, "ft"), Quantity(1, "m"), Quantity(1, "in")])[0].unit.symbol == "in"
    assert Quantity(1, "m") != Quantity(1, "s")
    with pytest.raises(UnitError):
        _ = Quantity(1, "m") + Quantity(1, "s")
    with pytest.raises(UnitError, match="absolute unit"):
        _ = Quantity(20, "C") + Quantity(5, "C")
    with pytest.raises(TypeError):
        _ = Quantity(1, "m") + 1


def test_formatting_and_repr():
    distance = Quantity(5, "km").to("mi")
    assert f"{distance:.3f}" == "3.107 mi"
    assert str(Quantity(2.5, "h")) == "2.5 h"
    assert repr(Quantity(2, "kg")) == "Quantity(2.0, 'kg')"


def test_bad_values():
    with pytest.raises(TypeError):
        Quantity("5", "m")
    with pytest.raises(ValueError, match="finite"):
        Quantity(float("nan"), "m")


def test_public_api():
    assert set(unitconv.__all__) >= {"Quantity", "UnitError", "convert", "load_registry"}
    assert unitconv.__doc__.splitlines()[0].startswith("Convert between units")
