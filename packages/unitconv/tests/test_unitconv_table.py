"""The unit table shipped in artifacts/ and the Registry built from it."""

import json
from fractions import Fraction
from importlib.resources import files

import pytest
from unitconv import Registry, UnitError, default_registry, load_registry


def _shipped_table() -> dict:
    resource = files("unitconv") / "artifacts" / "units.json"
    return json.loads(resource.read_text(encoding="utf-8"))


def test_artifact_is_shipped_and_loaded():
    table = _shipped_table()
    assert table["schema"] == 1
    registry = default_registry()
    expected = sum(len(spec["units"]) for spec in table["dimensions"].values())
    assert len(registry) == expected
    assert registry.dimensions() == list(table["dimensions"])
    for dimension in ("length", "mass", "time", "data", "temperature", "volume", "energy"):
        assert dimension in registry.bases


def test_base_units_have_factor_one():
    registry = default_registry()
    for dimension, base in registry.bases.items():
        unit = registry[base]
        assert unit.dimension == dimension
        assert unit.factor == 1
        assert unit.offset == 0


def test_factors_are_exact_fractions():
    registry = default_registry()
    assert registry["in"].factor == Fraction(254, 10000)
    assert registry["F"].factor == Fraction(5, 9)
    assert registry["C"].offset == Fraction(27315, 100)
    assert registry["C"].is_affine and not registry["K"].is_affine


def test_in_dimension_and_unknown_dimension():
    symbols = [unit.symbol for unit in default_registry().in_dimension("temperature")]
    assert symbols == ["K", "C", "F", "R"]
    with pytest.raises(UnitError, match="unknown dimension 'colour'"):
        default_registry().in_dimension("colour")


def test_custom_table(tmp_path):
    path = tmp_path / "units.json"
    table = {
        "dimensions": {
            "length": {
                "base": "m",
                "units": {
                    "m": {"name": "metre"},
                    "furlong": {"factor": 201.168, "aliases": ["furlongs"]},
                },
            }
        }
    }
    path.write_text(json.dumps(table), encoding="utf-8")
    registry = load_registry(str(path))
    assert registry.lookup("furlongs").to_base(1) == Fraction("201.168")
    assert "km" not in registry


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"dimensions": {"x": {"base": "a", "units": {"b": {}}}}}, "base unit 'a'"),
        ({"dimensions": {"x": {"base": "a", "units": {"a": {"factor": 0}}}}}, "zero factor"),
        ({"dimensions": {"x": {"base": "a", "units": {"a": {"factor": "1/0"}}}}}, "bad number"),
        ({"dimensions": {"x": {"base": "a", "units": {"a": {"factor": True}}}}}, "expected a"),
        ({"units": []}, "malformed"),
        (
            {"dimensions": {"x": {"base": "a", "units": {"a": {}, "b": {"aliases": ["a"]}}}}},
            "'a' names both",
        ),
    ],
)
def test_bad_tables(table, message):
    with pytest.raises(UnitError, match=message):
        Registry.from_dict(table)
