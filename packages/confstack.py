# /// script
# requires-python = ">=3.10"
# dependencies = ["PyYAML>=6"]
# [tool.packyard]
# keywords = ["config", "configuration", "yaml", "environment", "12-factor"]
# license = "MIT"
# authors = [{ name = "packyard examples" }]
# ///
"""Layered configuration: defaults, YAML files and environment variables, deep-merged.

`confstack` builds one nested `dict` from layers, each overriding the ones before:

1. `defaults` given in code,
2. YAML files in order (`base.yaml`, then `production.yaml`, then `local.yaml`...),
   missing files skipped unless `missing_ok=False`,
3. environment variables `PREFIX_SECTION__KEY=value`: a double underscore nests,
   so `APP_DATABASE__PORT=5433` sets `config["database"]["port"]`.

Mappings are merged key by key; anything else (numbers, strings, lists) is replaced.
Environment values are strings, so they are coerced to the type of the value they
override (`"5433"` becomes `5433` where the YAML had an int, `"off"` becomes `False`
where it had a bool, `"a,b"` becomes `["a", "b"]` where it had a list), and guessed
when there is nothing to override. A value that does not fit raises `ConfigError`
naming the variable.

```python
from confstack import load, get

config = load("config/base.yaml", "config/local.yaml", env_prefix="APP",
              defaults={"debug": False, "database": {"port": 5432}})
port = get(config, "database.port")
```
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

__all__ = ["ConfigError", "coerce", "deep_merge", "env_layer", "get", "load", "load_yaml"]

_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n"}
_BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_NULL = {"null", "none", "~"}
_MISSING = object()


class ConfigError(ValueError):
    """A configuration file or environment variable that cannot be used."""


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Return a new dict: ``base`` with ``override`` merged in, mappings recursively.

    >>> deep_merge({"db": {"host": "localhost", "port": 5432}, "tags": ["a"]},
    ...            {"db": {"port": 6432}, "tags": ["b"]})
    {'db': {'host': 'localhost', 'port': 6432}, 'tags': ['b']}
    """
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = deep_merge({}, value) if isinstance(value, Mapping) else value
    return merged


def _guess(raw: str) -> Any:
    """Read a string without a type to go by: bool, null, int, float, JSON, else str."""
    text = raw.strip()
    lowered = text.lower()
    if lowered in _BOOL_WORDS:
        return _BOOL_WORDS[lowered]
    if lowered in _NULL:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass
    return raw


def coerce(raw: str, like: Any = _MISSING) -> Any:
    """Convert the string ``raw`` to the type of ``like``, or guess a type without it.

    >>> coerce("5433", like=5432), coerce("off", like=True), coerce("a, b", like=["x"])
    (5433, False, ['a', 'b'])
    >>> coerce("007", like="id"), coerce("007"), coerce("2.5"), coerce("yes"), coerce("[1, 2]")
    ('007', 7, 2.5, True, [1, 2])
    """
    text = raw.strip()
    if like is _MISSING or like is None:
        return _guess(raw)
    if isinstance(like, bool):
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError(f"expected a boolean (true/false, yes/no, on/off, 1/0), got {raw!r}")
    if isinstance(like, int | float):
        return type(like)(text)
    if isinstance(like, list):
        if text.startswith("["):
            value = json.loads(text)
            if not isinstance(value, list):
                raise ValueError(f"expected a JSON list, got {raw!r}")
            return value
        item_like = like[0] if like else _MISSING
        return [coerce(item.strip(), item_like) for item in text.split(",") if item.strip()]
    if isinstance(like, Mapping):
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {raw!r}")
        return value
    return raw


def _matching_key(mapping: Any, part: str) -> str:
    """The existing key that ``part`` names (case- and ``-``/``_``-insensitive), or ``part``."""
    if isinstance(mapping, Mapping):
        for key in mapping:
            if isinstance(key, str) and key.lower().replace("-", "_") == part:
                return key
    return part


def env_layer(
    prefix: str, environ: Mapping[str, str] | None = None, like: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Build a layer from ``PREFIX_SECTION__KEY`` variables, coercing values after ``like``.

    >>> env = {"APP_DEBUG": "on", "APP_DB__PORT": "6432", "OTHER": "x"}
    >>> env_layer("APP", env, like={"debug": False, "db": {"port": 5432}})
    {'debug': True, 'db': {'port': 6432}}
    """
    environ = os.environ if environ is None else environ
    start = prefix.rstrip("_").upper() + "_"
    found: list[tuple[list[str], str, str]] = []
    for name, raw in environ.items():
        if name.upper().startswith(start) and len(name) > len(start):
            parts = [part.lower() for part in name[len(start) :].split("__")]
            if all(parts):
                found.append((parts, name, raw))
    layer: dict[str, Any] = {}
    for parts, name, raw in sorted(found, key=lambda item: (len(item[0]), item[0])):
        node, base = layer, like
        for part in parts[:-1]:
            key = _matching_key(base, part)
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{name} nests under {key!r}, which another variable set")
            node, base = child, base.get(key) if isinstance(base, Mapping) else None
        key = _matching_key(base, parts[-1])
        current = base.get(key, _MISSING) if isinstance(base, Mapping) else _MISSING
        try:
            node[key] = coerce(raw, current)
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"environment variable {name}: {exc}") from exc
    return layer


def load_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read one YAML file holding a mapping (an empty file is an empty mapping)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top, got {type(data).__name__}")
    return data


def load(
    *paths: str | os.PathLike[str],
    env_prefix: str | None = None,
    defaults: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    missing_ok: bool = True,
) -> dict[str, Any]:
    """Merge ``defaults``, then each YAML file of ``paths``, then the environment layer."""
    config = deep_merge({}, defaults or {})
    for path in paths:
        if not Path(path).is_file():
            if missing_ok:
                continue
            raise ConfigError(f"{path}: configuration file not found")
        config = deep_merge(config, load_yaml(path))
    if env_prefix:
        config = deep_merge(config, env_layer(env_prefix, environ, like=config))
    return config


def get(config: Mapping[str, Any], dotted: str, default: Any = _MISSING) -> Any:
    """Look up ``"section.key"`` in a nested mapping; ``default`` if given, else KeyError.

    >>> get({"db": {"port": 5432}}, "db.port"), get({}, "db.port", default=None)
    (5432, None)
    """
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            if default is _MISSING:
                raise KeyError(dotted)
            return default
        node = node[part]
    return node
