"""Convert between units of length, mass, time, data size, temperature, volume and energy.

`unitconv` reads its unit table from a JSON file shipped inside the package
(`unitconv/artifacts/units.json`) and offers a small `Quantity` API and a
`unitconv` command line tool:

```python
from unitconv import Quantity, convert

Quantity(5, "km").to("mi")          # Quantity(3.1068559611866697, 'mi')
convert(100, "C", "F")              # 212.0
Quantity.parse("2 GiB") > Quantity.parse("2 GB")   # True
```

```console
$ unitconv 5 km mi
5 km = 3.10686 mi
$ unitconv --list temperature
```
"""

from .quantity import Quantity, convert
from .registry import Registry, Unit, UnitError, default_registry, load_registry

__all__ = [
    "Quantity",
    "Registry",
    "Unit",
    "UnitError",
    "convert",
    "default_registry",
    "load_registry",
]
