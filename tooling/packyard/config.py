"""The repository's configuration: the ``[tool.packyard]`` table of the root
``pyproject.toml``.

Keys (all optional)::

    [tool.packyard]
    packages-dir = "packages"       # where the packages live, relative to the root
    index-url = "https://pypi.org/simple"   # index that dependencies resolve against
    requires-python = ">=3.10"      # default for packages that do not say
    first-version = "0.1.0"         # version of a package's first release (unless it states one)
    doctests = true                 # test-install runs doctests (default: single-file packages)
    [tool.packyard.import-map]      # import name -> distribution, for this repository
    "foo.bar" = "foo-bar-dist"
    [tool.packyard.defaults]        # PEP 621 fields every package gets unless it says
    authors = [{ name = "Data team" }]
    license = "MIT"

Quality-gate keys (read by :mod:`packyard.gates`)::

    allowed-licenses = ["MIT", "BSD-3-Clause", "Apache-2.0"]   # SPDX identifiers
    audit = true                    # invoke release also runs pip-audit
    audit-service = "pypi"          # or "osv"
    audit-url = "https://api.osv.dev/v1/query"   # the OSV API, for audit-service = "osv"
    [tool.packyard.license-overrides]   # distribution -> SPDX expression, when its
    "some-dist" = "MIT"                 # metadata says nothing usable
    [tool.packyard.lint]            # ruff settings for packages/ (not the root [tool.ruff])
    select = ["E4", "E7", "E9", "F"]    # the default; also ignore = [...], line-length
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packyard import tomlcompat
from packyard.errors import ConfigError

DEFAULT_INDEX_URL = "https://pypi.org/simple"
DEFAULT_REQUIRES_PYTHON = ">=3.10"
KNOWN_KEYS = (
    "packages-dir",
    "index-url",
    "requires-python",
    "first-version",
    "doctests",
    "import-map",
    "defaults",
    "repositories",
    "allowed-licenses",
    "license-overrides",
    "audit",
    "audit-service",
    "audit-url",
    "lint",
)


@dataclass(frozen=True)
class RepoConfig:
    """The parsed ``[tool.packyard]`` table of a packaging repository.

    Attributes:
        root: the repository's top folder (holds ``pyproject.toml``).
        packages_dir: absolute path of the folder holding the packages.
        index_url: the PEP 503 simple index dependencies resolve against.
        requires_python: default ``requires-python`` for packages.
        first_version: the version of a package's first release (PEP 440).
        import_map: import name -> distribution name, repository-wide.
        defaults: PEP 621 ``[project]`` fields applied to every package unless it sets them.
        raw: the whole ``[tool.packyard]`` table, for settings other modules read.
    """

    root: Path
    packages_dir: Path
    index_url: str = DEFAULT_INDEX_URL
    requires_python: str = DEFAULT_REQUIRES_PYTHON
    first_version: str = "0.1.0"
    import_map: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def build_dir(self) -> Path:
        """Where per-package build trees are assembled: ``<root>/build``."""
        return self.root / "build"

    @property
    def dist_dir(self) -> Path:
        """Where built sdists and wheels go: ``<root>/dist``."""
        return self.root / "dist"

    @property
    def state_dir(self) -> Path:
        """packyard's own state and caches: ``<root>/.packyard``."""
        return self.root / ".packyard"


def find_root(start: Path | None = None) -> Path:
    """Return the packaging repository's root: the folder at or above ``start`` whose
    ``pyproject.toml`` has a ``[tool.packyard]`` table and that holds the packages folder
    it configures (``packages-dir``, default ``packages``).

    A package's own ``pyproject.toml`` (``packages/NAME/pyproject.toml``, which may hold
    ``[tool.packyard.import-map]``) is never a root: a folder with ``__init__.py`` is a
    Python package, and a folder without its configured packages folder is passed over
    while one further up has it. So the root is the same from any working directory
    inside the repository. A repository whose packages folder does not exist yet is found
    all the same (the nearest such folder that is not a Python package), and its commands
    then say the folder is missing.

    Args:
        start: where to begin; the current directory when None.

    Raises:
        ConfigError: no such folder up to the file system root (outside any repository).
    """
    here = (start or Path.cwd()).resolve()
    fallback: Path | None = None
    for folder in (here, *here.parents):
        table = _packyard_table(folder / "pyproject.toml")
        if table is None or (folder / "__init__.py").is_file():
            continue
        packages_dir = table.get("packages-dir", "packages")
        if not isinstance(packages_dir, str) or (folder / packages_dir).is_dir():
            return folder  # (a wrong type is load_config's error to report)
        fallback = fallback or folder
    if fallback is not None:
        return fallback
    raise ConfigError(
        f"not inside a packaging repository: no pyproject.toml with a [tool.packyard] table "
        f"at or above {here}",
        hint="run from inside a packaging repository, or add [tool.packyard] to its pyproject.toml",
    )


def _packyard_table(path: Path) -> dict[str, Any] | None:
    """The ``[tool.packyard]`` table of a ``pyproject.toml`` (None without one). A file
    that is not valid TOML but mentions the table counts as having an empty one, so that
    :func:`load_config` reports its syntax error."""
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")
    if "[tool.packyard" not in text and "packyard" not in text:
        return None
    try:
        data = tomlcompat.loads(text, source=path)
    except ConfigError:
        return {} if "[tool.packyard" in text else None
    table = data.get("tool", {}).get("packyard") if isinstance(data.get("tool"), dict) else None
    return table if isinstance(table, dict) else ({} if table is not None else None)


def load_config(root: Path | None = None) -> RepoConfig:
    """Read the repository configuration.

    Args:
        root: the repository root; found with :func:`find_root` when None.

    Raises:
        ConfigError: the file is not valid TOML, a key is unknown (with a did-you-mean
            hint) or a value has the wrong type.
    """
    root = find_root() if root is None else root.resolve()
    path = root / "pyproject.toml"
    data = tomlcompat.load(path) if path.is_file() else {}
    table = data.get("tool", {}).get("packyard", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.packyard] must be a table", path=path)
    tomlcompat.check_keys(table, KNOWN_KEYS, path, "[tool.packyard]")

    def text(key: str, default: str) -> str:
        value = table.get(key, default)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"[tool.packyard] {key} must be a non-empty string", path=path)
        return value

    from packyard.names import validate_map

    import_map = validate_map(
        table.get("import-map", {}), source=f"{path} [tool.packyard.import-map]"
    )
    defaults = table.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ConfigError("[tool.packyard.defaults] must be a table", path=path)
    return RepoConfig(
        root=root,
        packages_dir=(root / text("packages-dir", "packages")).resolve(),
        index_url=text("index-url", DEFAULT_INDEX_URL),
        requires_python=text("requires-python", DEFAULT_REQUIRES_PYTHON),
        first_version=text("first-version", "0.1.0"),
        import_map=import_map,
        defaults=dict(defaults),
        raw=dict(table),
    )
