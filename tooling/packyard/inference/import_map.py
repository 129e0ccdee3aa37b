"""Map an imported module to the PyPI distribution that provides it.

Dependency inference sees ``import yaml`` and must write ``PyYAML`` into the package's
requirements. :class:`ImportMap` answers that question for one package, trying these
layers in order; the first layer that knows the module wins:

1. ``package-override``: the package's own ``[tool.packyard.import-map]``;
2. ``repo-import-map``: the root ``pyproject.toml``'s ``[tool.packyard.import-map]``;
3. ``builtin-table``: the curated table in ``data/import_map.toml``, and its list of
   popular modules whose distribution has the same name (``click``, ``requests``);
4. ``environment``: the distributions installed in the running interpreter
   (``importlib.metadata.packages_distributions()``), only when asked for;
5. ``fallback``: the top-level module name, PEP 503 normalized. Callers warn about it,
   since it is a guess.

Keys are dotted module prefixes and the longest one that matches wins, so
``google.cloud.storage.blob`` resolves through ``google.cloud.storage``. For
``from M import a, b`` the candidates ``M.a`` and ``M.b`` are tried before ``M``, so
``from google.cloud import storage`` finds ``google-cloud-storage``.

The built-in table also lists *namespaces*, prefixes such as ``google`` or
``azure.mgmt`` that several distributions share and none provides; a lookup that meets
one before any key stops there and falls through to the fallback rather than guessing.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.resources
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from packaging.utils import canonicalize_name

from packyard.errors import ConfigError
from packyard.names import dotted_name_problem, validate_map

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "RULE_BUILTIN",
    "RULE_ENVIRONMENT",
    "RULE_FALLBACK",
    "RULE_OVERRIDE",
    "RULE_REPO",
    "ImportMap",
    "MappedImport",
    "builtin_namespaces",
    "builtin_same_name",
    "builtin_table",
]

RULE_OVERRIDE: Final = "package-override"
RULE_REPO: Final = "repo-import-map"
RULE_BUILTIN: Final = "builtin-table"
RULE_ENVIRONMENT: Final = "environment"
RULE_FALLBACK: Final = "fallback"

_SCHEMA: Final = 1
_DATA_FILE: Final = "import_map.toml"
_BUILTIN_SOURCE: Final = "packyard's built-in import map (packyard/inference/data/import_map.toml)"

# PEP 508 names: ASCII letters and digits, with ".", "_" and "-" inside.


@dataclass(frozen=True, slots=True)
class MappedImport:
    """Where an import comes from, and which rule said so.

    Attributes:
        distribution: the distribution name as written in the rule's source (for example
            ``"PyYAML"``); callers normalize it when comparing.
        rule: ``"package-override"``, ``"repo-import-map"``, ``"builtin-table"``,
            ``"environment"`` or ``"fallback"``.
        key: the import prefix that matched, e.g. ``"google.cloud.storage"``; for the
            environment and fallback rules, the top-level module name.
    """

    distribution: str
    rule: str
    key: str


class _Namespace:
    """Marker returned by :meth:`_Layer.lookup` when the walk met a namespace."""

    __slots__ = ()


_NAMESPACE: Final = _Namespace()


class _Layer:
    """One layer's entries, ready for fast longest-prefix lookups.

    ``inner`` holds every proper prefix of a key or namespace ("google" and
    "google.cloud" for "google.cloud.storage"), so a walk from the top-level name down
    stops as soon as no longer key can match: ``numpy.linalg`` costs one set lookup.
    """

    __slots__ = ("entries", "inner", "namespaces", "rule")

    def __init__(
        self, rule: str, entries: Mapping[str, str], namespaces: frozenset[str] = frozenset()
    ) -> None:
        self.rule = rule
        self.entries: dict[str, str] = dict(entries)
        self.namespaces = namespaces
        inner: set[str] = set()
        for name in (*self.entries, *namespaces):
            parts = name.split(".")
            inner.update(".".join(parts[:size]) for size in range(1, len(parts)))
        self.inner = frozenset(inner)

    def lookup(self, parts: list[str]) -> str | _Namespace | None:
        """Return the longest key that is a prefix of ``parts``, :data:`_NAMESPACE` if a
        longer namespace comes first, or None."""
        entries = self.entries
        namespaces = self.namespaces
        inner = self.inner
        found: str | _Namespace | None = None
        prefix = ""
        for part in parts:
            prefix = f"{prefix}.{part}" if prefix else part
            if prefix in entries:
                found = prefix
            elif prefix in namespaces:
                found = _NAMESPACE
            if prefix not in inner:
                break
        return found


class ImportMap:
    """Resolve imports to distributions for one package.

    Args:
        package_overrides: the package's own import map (validated with
            :func:`packyard.names.validate_map`), highest priority.
        repo_map: the repository-wide import map.
        use_environment: also consult the distributions installed in the running
            interpreter, after the built-in table.
        table: replaces the built-in table (mostly for tests); it has no namespaces.

    Results are cached per instance: resolving the same import twice is a dict lookup.
    """

    def __init__(
        self,
        *,
        package_overrides: Mapping[str, str] | None = None,
        repo_map: Mapping[str, str] | None = None,
        use_environment: bool = False,
        table: Mapping[str, str] | None = None,
    ) -> None:
        layers: list[_Layer] = []
        if package_overrides:
            layers.append(_Layer(RULE_OVERRIDE, package_overrides))
        if repo_map:
            layers.append(_Layer(RULE_REPO, repo_map))
        builtin = _builtin_layer() if table is None else _Layer(RULE_BUILTIN, table)
        layers.append(builtin)
        self._builtin_same_name = table is None
        self._layers = tuple(layers)
        self._use_environment = use_environment
        self._cache: dict[tuple[str, tuple[str, ...]], MappedImport] = {}

    def resolve(self, module: str, names: Sequence[str] = ()) -> MappedImport:
        """Return the distribution that provides ``module``.

        Args:
            module: an absolute module name, e.g. ``"google.cloud.storage"``.
            names: for ``from module import a, b``, the imported names ``["a", "b"]``:
                ``module.a`` and ``module.b`` are tried before ``module`` in each layer
                (``*`` and other non-identifiers are ignored). When several names hit,
                the first one in ``names`` wins; resolve them one at a time to get each.

        Raises:
            ValueError: ``module`` is empty or relative (starts with ``.``).
        """
        cache_key = (module, tuple(names))
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        result = self._resolve(module, names)
        self._cache[cache_key] = result
        return result

    def _resolve(self, module: str, names: Sequence[str]) -> MappedImport:
        if not module or module.startswith("."):
            raise ValueError(f"cannot map {module!r}: give an absolute module name")
        parts = module.split(".")
        candidates = [[*parts, name] for name in names if name.isidentifier()]
        candidates.append(parts)
        in_namespace = False
        for layer in self._layers:
            for candidate in candidates:
                found = layer.lookup(candidate)
                if isinstance(found, str):
                    return MappedImport(layer.entries[found], layer.rule, found)
                if found is _NAMESPACE:
                    in_namespace = True
        top = parts[0]
        if self._builtin_same_name and top in _load_builtin()[2] and not in_namespace:
            return MappedImport(top, RULE_BUILTIN, top)
        if self._use_environment and not in_namespace:
            distribution = _environment_index().get(top)
            if distribution is not None:
                return MappedImport(distribution, RULE_ENVIRONMENT, top)
        return MappedImport(_normalize(top), RULE_FALLBACK, top)


@functools.cache
def _normalize(name: str) -> str:
    """PEP 503 normalize ``name``, once per name (canonicalize_name uses a regex)."""
    return canonicalize_name(name)


@functools.cache
def _load_builtin() -> tuple[Mapping[str, str], frozenset[str], frozenset[str]]:
    """Read and check the data file once."""
    raw = (importlib.resources.files("packyard.inference") / "data" / _DATA_FILE).read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    if data.get("schema") != _SCHEMA:
        raise ConfigError(
            f"{_BUILTIN_SOURCE}: schema is {data.get('schema')!r}, expected {_SCHEMA}",
            hint="reinstall packyard: its data file does not match its code",
        )
    table = validate_map(data.get("map", {}), source=_BUILTIN_SOURCE)
    namespaces = data.get("namespaces", [])
    for name in namespaces:
        problem = dotted_name_problem(name)
        if problem is not None:
            raise ConfigError(f"{_BUILTIN_SOURCE}: namespace {name!r} {problem}")
    same_name = data.get("same-name", [])
    for name in same_name:
        if not str(name).isidentifier() or name in table:
            raise ConfigError(
                f"{_BUILTIN_SOURCE}: same-name entry {name!r} is not a top-level module "
                "name, or is also a [map] key"
            )
    return MappingProxyType(table), frozenset(namespaces), frozenset(same_name)


def builtin_table() -> Mapping[str, str]:
    """Return the built-in table, ``{module prefix: distribution}`` (read-only, loaded
    once)."""
    return _load_builtin()[0]


def builtin_same_name() -> frozenset[str]:
    """Return the top-level modules the built-in table knows to be provided by the
    distribution of the same (normalized) name, such as ``click`` or ``requests``."""
    return _load_builtin()[2]


def builtin_namespaces() -> frozenset[str]:
    """Return the built-in table's namespaces: shared prefixes that map to nothing."""
    return _load_builtin()[1]


@functools.cache
def _builtin_layer() -> _Layer:
    table, namespaces, _ = _load_builtin()
    return _Layer(RULE_BUILTIN, table, namespaces)


@functools.cache
def _environment_index() -> Mapping[str, str]:
    """Map each top-level module of the running interpreter to its distribution.

    A module that several distributions install (a namespace such as ``google``) is
    left out: it says nothing about which one an import needs.
    """
    index: dict[str, str] = {}
    for top, distributions in importlib.metadata.packages_distributions().items():
        unique = {canonicalize_name(name): name for name in distributions}
        if len(unique) == 1:
            index[top] = next(iter(unique.values()))
    return MappingProxyType(index)
