"""The ``unitconv`` command: ``unitconv 5 km mi``, ``unitconv --list [DIMENSION]``."""

from __future__ import annotations

import argparse
import sys

from .quantity import Quantity
from .registry import Registry, UnitError, default_registry, load_registry


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unitconv",
        description="Convert a value between units of the same dimension.",
        epilog="examples: unitconv 5 km mi | unitconv -40 C F | unitconv 1.5 GiB MB -p 4",
    )
    parser.add_argument("value", nargs="?", help="the number to convert, e.g. 5 or -40")
    parser.add_argument("from_unit", nargs="?", metavar="FROM", help="its unit, e.g. km")
    parser.add_argument("to_unit", nargs="?", metavar="TO", help="the unit wanted, e.g. mi")
    parser.add_argument(
        "-l",
        "--list",
        nargs="?",
        const="",
        metavar="DIMENSION",
        help="list the known units (of one dimension only, if given) and exit",
    )
    parser.add_argument(
        "-p",
        "--precision",
        type=int,
        default=6,
        help="significant digits of the result (default: 6)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only the converted number"
    )
    parser.add_argument("--table", metavar="JSON", help="use this unit table instead")
    return parser


def _list_units(registry: Registry, dimension: str) -> list[str]:
    dimensions = [dimension] if dimension else registry.dimensions()
    lines: list[str] = []
    for name in dimensions:
        units = registry.in_dimension(name)
        lines.append(f"{name} (base: {registry.bases[name]})")
        width = max(len(unit.symbol) for unit in units)
        for unit in units:
            aliases = f"  [{', '.join(unit.aliases)}]" if unit.aliases else ""
            lines.append(f"  {unit.symbol:<{width}}  {unit.name}{aliases}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 conversion error, 2 usage)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        registry = load_registry(args.table) if args.table else default_registry()
        if args.list is not None:
            print("\n".join(_list_units(registry, args.list)))
            return 0
        if args.to_unit is None:
            parser.error("expected VALUE FROM TO, e.g. 'unitconv 5 km mi' (or --list)")
        if args.precision < 1:
            parser.error("--precision must be at least 1")
        try:
            value = float(args.value)
        except ValueError:
            parser.error(f"VALUE must be a number, not {args.value!r}")
        source = Quantity(value, args.from_unit, registry)
        result = source.to(args.to_unit, registry)
    except (UnitError, ValueError, OSError) as exc:
        print(f"unitconv: error: {exc}", file=sys.stderr)
        return 1
    digits = f".{args.precision}g"
    if args.quiet:
        print(format(result.value, digits))
    else:
        print(f"{source:{digits}} = {result:{digits}}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
