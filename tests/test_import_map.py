"""Tests for packyard.inference.import_map: resolution layers, the built-in table and validate_map."""

from __future__ import annotations

import importlib.metadata
import keyword
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import packyard.inference.import_map as import_map
from packyard.errors import ConfigError
from packyard.inference.import_map import (
    RULE_BUILTIN,
    RULE_ENVIRONMENT,
    RULE_FALLBACK,
    RULE_OVERRIDE,
    RULE_REPO,
    ImportMap,
    MappedImport,
    builtin_namespaces,
    builtin_table,
)
from packyard.names import validate_map

DATA_FILE = Path(import_map.__file__).parent / "data" / "import_map.toml"

B, F = RULE_BUILTIN, RULE_FALLBACK

# (module, names, expected distribution, expected rule, expected key)
BUILTIN_CASES = [
    ("yaml", (), "PyYAML", B, "yaml"),
    ("yaml", ("safe_load",), "PyYAML", B, "yaml"),
    ("PIL.Image", (), "pillow", B, "PIL"),
    ("PIL", ("Image", "ImageDraw"), "pillow", B, "PIL"),
    ("sklearn.linear_model", (), "scikit-learn", B, "sklearn"),
    ("skimage", ("io",), "scikit-image", B, "skimage"),
    ("bs4", ("BeautifulSoup",), "beautifulsoup4", B, "bs4"),
    ("cv2", (), "opencv-python", B, "cv2"),
    ("dateutil.parser", (), "python-dateutil", B, "dateutil"),
    ("dotenv", ("load_dotenv",), "python-dotenv", B, "dotenv"),
    ("jwt", (), "PyJWT", B, "jwt"),
    ("attr", (), "attrs", B, "attr"),
    ("Crypto.Cipher", ("AES",), "pycryptodome", B, "Crypto"),
    ("OpenSSL", ("SSL",), "pyOpenSSL", B, "OpenSSL"),
    ("serial.tools.list_ports", (), "pyserial", B, "serial"),
    ("usb.core", (), "pyusb", B, "usb"),
    ("zmq", (), "pyzmq", B, "zmq"),
    ("magic", (), "python-magic", B, "magic"),
    ("docx", ("Document",), "python-docx", B, "docx"),
    ("pptx", ("Presentation",), "python-pptx", B, "pptx"),
    ("git", ("Repo",), "GitPython", B, "git"),
    ("MySQLdb", (), "mysqlclient", B, "MySQLdb"),
    ("psycopg2.extras", (), "psycopg2-binary", B, "psycopg2"),
    ("gi.repository", ("Gtk",), "PyGObject", B, "gi"),
    ("win32api", (), "pywin32", B, "win32api"),
    ("win32com.client", (), "pywin32", B, "win32com"),
    ("fitz", (), "PyMuPDF", B, "fitz"),
    ("jose", ("jwt",), "python-jose", B, "jose"),
    ("multipart", (), "python-multipart", B, "multipart"),
    ("mpl_toolkits.mplot3d", ("Axes3D",), "matplotlib", B, "mpl_toolkits"),
    ("mpl_toolkits.basemap", ("Basemap",), "basemap", B, "mpl_toolkits.basemap"),
    ("pkg_resources", (), "setuptools", B, "pkg_resources"),
    ("_pytest.fixtures", (), "pytest", B, "_pytest"),
    ("ruamel.yaml", ("YAML",), "ruamel.yaml", B, "ruamel.yaml"),
    ("_ruamel_yaml", (), "ruamel.yaml.clib", B, "_ruamel_yaml"),
    ("google.protobuf", (), "protobuf", B, "google.protobuf"),
    ("google.protobuf.message", (), "protobuf", B, "google.protobuf"),
    ("google.protobuf", ("json_format",), "protobuf", B, "google.protobuf"),
    ("google.cloud.storage", (), "google-cloud-storage", B, "google.cloud.storage"),
    ("google.cloud.storage.blob", ("Blob",), "google-cloud-storage", B, "google.cloud.storage"),
    ("google.cloud", ("storage",), "google-cloud-storage", B, "google.cloud.storage"),
    ("google.cloud", ("bigquery",), "google-cloud-bigquery", B, "google.cloud.bigquery"),
    ("google.cloud", ("storage", "bigquery"), "google-cloud-storage", B, "google.cloud.storage"),
    ("google.cloud", ("exceptions",), "google-cloud-core", B, "google.cloud.exceptions"),
    ("google.cloud.bigquery.table", (), "google-cloud-bigquery", B, "google.cloud.bigquery"),
    (
        "google.cloud.bigquery.biglake_v1.types",
        (),
        "google-cloud-bigquery-biglake",
        B,
        "google.cloud.bigquery.biglake_v1",
    ),
    ("google", ("genai",), "google-genai", B, "google.genai"),
    ("google.auth.transport.requests", (), "google-auth", B, "google.auth"),
    ("googleapiclient.discovery", ("build",), "google-api-python-client", B, "googleapiclient"),
    ("azure.storage.blob", ("BlobServiceClient",), "azure-storage-blob", B, "azure.storage.blob"),
    ("azure.storage.blob.aio", (), "azure-storage-blob", B, "azure.storage.blob"),
    ("azure.identity", ("DefaultAzureCredential",), "azure-identity", B, "azure.identity"),
    ("azure.identity.aio", (), "azure-identity", B, "azure.identity"),
    ("azure.storage", ("fileshare",), "azure-storage-file-share", B, "azure.storage.fileshare"),
    ("opentelemetry", ("trace",), "opentelemetry-api", B, "opentelemetry.trace"),
    ("opentelemetry.sdk.trace.export", (), "opentelemetry-sdk", B, "opentelemetry.sdk"),
    (
        "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
        ("OTLPSpanExporter",),
        "opentelemetry-exporter-otlp-proto-grpc",
        B,
        "opentelemetry.exporter.otlp.proto.grpc",
    ),
    (
        "opentelemetry.instrumentation.requests",
        ("RequestsInstrumentor",),
        "opentelemetry-instrumentation-requests",
        B,
        "opentelemetry.instrumentation.requests",
    ),
    ("jaraco.functools", (), "jaraco.functools", B, "jaraco.functools"),
    ("jaraco", ("text",), "jaraco.text", B, "jaraco.text"),
    ("zope.interface", ("implementer",), "zope.interface", B, "zope.interface"),
    ("zope", ("interface",), "zope.interface", B, "zope.interface"),
    ("backports.zoneinfo", ("ZoneInfo",), "backports.zoneinfo", B, "backports.zoneinfo"),
    ("backports", ("tarfile",), "backports.tarfile", B, "backports.tarfile"),
    ("airflow.models", ("DAG",), "apache-airflow", B, "airflow"),
    (
        "airflow.providers.amazon.aws.hooks.s3",
        (),
        "apache-airflow-providers-amazon",
        B,
        "airflow.providers.amazon",
    ),
    # Namespace roots and unknown members of a namespace: the fallback, not a guess.
    ("google", (), "google", F, "google"),
    ("google.cloud", (), "google", F, "google"),
    ("google.cloud.notarealapi", (), "google", F, "google"),
    ("google", ("notarealapi",), "google", F, "google"),
    ("azure", (), "azure", F, "azure"),
    ("azure.mgmt.notarealservice", (), "azure", F, "azure"),
    ("jaraco", (), "jaraco", F, "jaraco"),
    ("backports", (), "backports", F, "backports"),
    ("zope", (), "zope", F, "zope"),
    ("opentelemetry.instrumentation.notreal", (), "opentelemetry", F, "opentelemetry"),
    ("airflow.providers.notreal.hooks", (), "airflow", F, "airflow"),
    # Fallback: the top-level name, PEP 503 normalized.
    ("Levenshtein", ("distance",), "levenshtein", F, "Levenshtein"),
    ("Foo_Bar.baz", (), "foo-bar", F, "Foo_Bar"),
    ("my__odd_Name", (), "my-odd-name", F, "my__odd_Name"),
    ("acme_toolkit", ("*",), "acme-toolkit", F, "acme_toolkit"),
    # Same-name list: the fallback's answer, known to be right, without a warning.
    ("requests.adapters", ("HTTPAdapter",), "requests", B, "requests"),
    ("numpy", ("*",), "numpy", B, "numpy"),
]


@pytest.mark.parametrize(
    ("module", "names", "distribution", "rule", "key"),
    BUILTIN_CASES,
    ids=[f"{m}:{','.join(n)}" for m, n, *_ in BUILTIN_CASES],
)
def test_resolve_builtin_and_fallback(
    module: str, names: tuple[str, ...], distribution: str, rule: str, key: str
) -> None:
    assert ImportMap().resolve(module, names) == MappedImport(distribution, rule, key)


OVERRIDES = {
    "yaml": "override-yaml",
    "google.cloud.storage": "gcs-fork",
    "acme": "acme-core",
    "acme.plugins": "acme-plugins",
    "psycopg2": "psycopg2",
}
REPO_MAP = {
    "yaml": "repo-yaml",
    "PIL": "Pillow-SIMD",
    "google.cloud": "repo-google-cloud",
    "acme.plugins.extra": "repo-acme-extra",
    "internal_lib": "corp-internal-lib",
}

# (module, names, expected distribution, expected rule, expected key)
LAYER_CASES = [
    ("yaml", (), "override-yaml", RULE_OVERRIDE, "yaml"),
    ("PIL.Image", (), "Pillow-SIMD", RULE_REPO, "PIL"),
    ("google.cloud", ("storage",), "gcs-fork", RULE_OVERRIDE, "google.cloud.storage"),
    # The first layer with a hit wins, even when a later layer has a longer key.
    ("google.cloud.bigquery", (), "repo-google-cloud", RULE_REPO, "google.cloud"),
    ("google.cloud", (), "repo-google-cloud", RULE_REPO, "google.cloud"),
    ("google.protobuf", (), "protobuf", RULE_BUILTIN, "google.protobuf"),
    # Longest prefix within a layer.
    ("acme.plugins.csv", (), "acme-plugins", RULE_OVERRIDE, "acme.plugins"),
    ("acme.core", (), "acme-core", RULE_OVERRIDE, "acme"),
    ("acme.plugins.extra", (), "acme-plugins", RULE_OVERRIDE, "acme.plugins"),
    ("psycopg2", (), "psycopg2", RULE_OVERRIDE, "psycopg2"),
    ("internal_lib.tools", ("run",), "corp-internal-lib", RULE_REPO, "internal_lib"),
    ("bs4", (), "beautifulsoup4", RULE_BUILTIN, "bs4"),
    ("unknown_pkg", (), "unknown-pkg", RULE_FALLBACK, "unknown_pkg"),
]


@pytest.mark.parametrize(
    ("module", "names", "distribution", "rule", "key"),
    LAYER_CASES,
    ids=[f"{m}:{','.join(n)}" for m, n, *_ in LAYER_CASES],
)
def test_layer_precedence(
    module: str, names: tuple[str, ...], distribution: str, rule: str, key: str
) -> None:
    mapping = ImportMap(package_overrides=OVERRIDES, repo_map=REPO_MAP)
    assert mapping.resolve(module, names) == MappedImport(distribution, rule, key)


def test_repo_map_beats_builtin_without_overrides() -> None:
    mapping = ImportMap(repo_map={"yaml": "repo-yaml"})
    assert mapping.resolve("yaml") == MappedImport("repo-yaml", RULE_REPO, "yaml")
    assert mapping.resolve("bs4").rule == RULE_BUILTIN


def test_custom_table_replaces_builtin_and_has_no_namespaces() -> None:
    mapping = ImportMap(table={"foo": "foo-dist", "google.thing": "google-thing"})
    assert mapping.resolve("foo.bar") == MappedImport("foo-dist", RULE_BUILTIN, "foo")
    assert mapping.resolve("google", ["thing"]) == MappedImport(
        "google-thing", RULE_BUILTIN, "google.thing"
    )
    assert mapping.resolve("yaml") == MappedImport("yaml", RULE_FALLBACK, "yaml")


def test_resolve_caches_results() -> None:
    mapping = ImportMap()
    first = mapping.resolve("google.cloud", ["storage"])
    assert mapping.resolve("google.cloud", ("storage",)) is first


@pytest.mark.parametrize("module", ["", ".sibling", "..parent.mod"])
def test_resolve_rejects_relative_and_empty_modules(module: str) -> None:
    with pytest.raises(ValueError, match="absolute module name"):
        ImportMap().resolve(module)


@pytest.fixture
def fake_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pretend the running interpreter has a few distributions installed."""
    installed = {
        "foo": ["Foo-Dist"],
        "google": ["protobuf"],
        "shared": ["shared-a", "shared-b"],
        "dup": ["Dup_Dist", "dup-dist"],
        "yaml": ["some-other-yaml"],
    }
    monkeypatch.setattr(importlib.metadata, "packages_distributions", lambda: installed)
    import_map._environment_index.cache_clear()
    yield
    import_map._environment_index.cache_clear()


ENV_CASES = [
    ("foo.bar", (), "Foo-Dist", RULE_ENVIRONMENT, "foo"),
    ("dup", (), "dup-dist", RULE_ENVIRONMENT, "dup"),
    # Several distributions install it: ambiguous, so the fallback.
    ("shared.x", (), "shared", RULE_FALLBACK, "shared"),
    # A namespace root is never taken from the environment.
    ("google.unknown", (), "google", RULE_FALLBACK, "google"),
    ("google", ("unknown",), "google", RULE_FALLBACK, "google"),
    # The built-in table comes first.
    ("yaml", (), "PyYAML", RULE_BUILTIN, "yaml"),
    ("notinstalled", (), "notinstalled", RULE_FALLBACK, "notinstalled"),
]


@pytest.mark.usefixtures("fake_environment")
@pytest.mark.parametrize(
    ("module", "names", "distribution", "rule", "key"),
    ENV_CASES,
    ids=[f"{m}:{','.join(n)}" for m, n, *_ in ENV_CASES],
)
def test_environment_layer(
    module: str, names: tuple[str, ...], distribution: str, rule: str, key: str
) -> None:
    mapping = ImportMap(use_environment=True)
    assert mapping.resolve(module, names) == MappedImport(distribution, rule, key)


@pytest.mark.usefixtures("fake_environment")
def test_environment_is_off_by_default() -> None:
    assert ImportMap().resolve("foo.bar") == MappedImport("foo", RULE_FALLBACK, "foo")


@pytest.mark.usefixtures("fake_environment")
def test_environment_comes_after_repo_map() -> None:
    mapping = ImportMap(repo_map={"foo": "repo-foo"}, use_environment=True)
    assert mapping.resolve("foo") == MappedImport("repo-foo", RULE_REPO, "foo")


def test_validate_map_accepts_good_entries() -> None:
    entries = {
        "yaml": "PyYAML",
        "google.cloud.storage": "google-cloud-storage",
        "google.type": "googleapis-common-protos",  # soft keywords are valid module parts
        "match_lib.case": "ruamel.yaml",
        "_private": "x",
        "psycopg2": "psycopg2",
    }
    result = validate_map(entries, source="pyproject.toml")
    assert result == entries
    assert type(result) is dict


# (entries, text the message must contain)
BAD_MAPS = [
    (["yaml", "PyYAML"], "must be a table"),
    ("yaml = PyYAML", "must be a table"),
    ({"my-module": "x"}, "'my-module'"),
    ({"google..cloud": "x"}, "empty part"),
    ({".yaml": "x"}, "empty part"),
    ({"class.foo": "x"}, "keyword"),
    ({"": "x"}, "not a module name"),
    ({"2fast": "x"}, "'2fast'"),
    ({"yaml": "PyYAML>=6"}, "'PyYAML>=6'"),
    ({"yaml": "PyYAML[extra]"}, "not a distribution name"),
    ({"yaml": " PyYAML"}, "not a distribution name"),
    ({"yaml": ""}, "not a distribution name"),
    ({"yaml": "-yaml"}, "not a distribution name"),
    ({"yaml": 3}, "not a distribution name"),
    ({"yaml": ["PyYAML"]}, "not a distribution name"),
    ({"yaml": "PyYAML; python_version < '3.12'"}, "not a distribution name"),
]


@pytest.mark.parametrize(("entries", "expected"), BAD_MAPS, ids=[repr(e) for e, _ in BAD_MAPS])
def test_validate_map_errors(entries: object, expected: str) -> None:
    source = "packages/demo/pyproject.toml"
    with pytest.raises(ConfigError) as caught:
        validate_map(entries, source=source)
    error = caught.value
    assert source in error.message
    assert expected in error.message
    assert error.hint  # every error says how to fix it
    if isinstance(entries, dict):
        (key,) = entries
        assert repr(key) in error.message


# ---------------------------------------------------------------------------
# Quality of the built-in table
# ---------------------------------------------------------------------------

TABLE = builtin_table()


def test_table_is_loaded_once_and_read_only() -> None:
    assert builtin_table() is TABLE
    with pytest.raises(TypeError):
        TABLE["yaml"] = "x"  # type: ignore[index]


def test_table_has_at_least_400_entries() -> None:
    assert len(TABLE) >= 400


def test_table_keys_are_dotted_identifiers() -> None:
    bad = [
        key
        for key in TABLE
        if not all(part.isidentifier() and not keyword.iskeyword(part) for part in key.split("."))
    ]
    assert bad == []


def test_table_values_are_bare_distribution_names() -> None:
    for key, value in TABLE.items():
        requirement = Requirement(value)
        assert requirement.name == value, key
        assert not requirement.specifier, key
        assert not requirement.extras, key
        assert requirement.marker is None, key
        assert requirement.url is None, key


def test_table_has_no_useless_identity_rows() -> None:
    useless = [
        key
        for key, value in TABLE.items()
        if "." not in key and canonicalize_name(key) == canonicalize_name(value)
    ]
    assert useless == []


def test_table_keys_are_sorted_and_quoted() -> None:
    text = DATA_FILE.read_text(encoding="utf-8")
    body = text.split("\n[map]\n", 1)[1]
    rows = [line for line in body.splitlines() if line.strip() and not line.startswith("#")]
    row = re.compile(r'^"([^"]+)" = "([^"]+)"(  # \S.*)?$')
    assert all(row.match(line) for line in rows), [line for line in rows if not row.match(line)]
    keys = [row.match(line).group(1) for line in rows]  # type: ignore[union-attr]
    assert keys == list(TABLE)
    assert keys == sorted(keys, key=lambda k: (k.casefold(), k))


def test_data_file_header_and_schema() -> None:
    text = DATA_FILE.read_text(encoding="utf-8")
    assert text.startswith("# ")
    data = import_map.tomllib.loads(text)
    assert data["schema"] == 1
    assert set(data) == {"schema", "namespaces", "same-name", "map"}
    for topic in ("Format", "Review", "Sources consulted", "psycopg2"):
        assert topic in text


def test_namespace_roots_have_no_row() -> None:
    namespaces = builtin_namespaces()
    for root in ("google", "google.cloud", "azure", "jaraco", "backports", "zope"):
        assert root in namespaces
        assert root not in TABLE
    for namespace in namespaces:
        assert namespace not in TABLE
        assert any(key.startswith(f"{namespace}.") for key in TABLE), namespace


EXPECTED_ROWS = {
    "google.protobuf": "protobuf",
    "google.cloud.storage": "google-cloud-storage",
    "google.cloud.bigquery": "google-cloud-bigquery",
    "azure.storage.blob": "azure-storage-blob",
    "azure.identity": "azure-identity",
    "yaml": "pyyaml",
    "PIL": "pillow",
    "sklearn": "scikit-learn",
    "bs4": "beautifulsoup4",
    "cv2": "opencv-python",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "pyjwt",
    "attr": "attrs",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyopenssl",
    "serial": "pyserial",
    "usb": "pyusb",
    "zmq": "pyzmq",
    "magic": "python-magic",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "git": "gitpython",
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
    "gi": "pygobject",
    "win32api": "pywin32",
    "skimage": "scikit-image",
    "fitz": "pymupdf",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "mpl_toolkits": "matplotlib",
    "pkg_resources": "setuptools",
    "_pytest": "pytest",
    "ruamel.yaml": "ruamel-yaml",
    "zope.interface": "zope-interface",
    "google.genai": "google-genai",
}


@pytest.mark.parametrize(("key", "distribution"), sorted(EXPECTED_ROWS.items()))
def test_expected_rows(key: str, distribution: str) -> None:
    assert canonicalize_name(TABLE[key]) == distribution


def test_every_family_is_covered() -> None:
    for prefix in ("opentelemetry.", "jaraco.", "backports.", "zope.", "azure.", "google."):
        assert sum(key.startswith(prefix) for key in TABLE) >= 5, prefix


def test_same_name_modules_resolve_without_the_fallback() -> None:
    from packyard.inference.import_map import builtin_same_name

    same = builtin_same_name()
    assert len(same) >= 200
    assert not same & set(builtin_table())
    assert all(name.isidentifier() for name in same)
    mapped = ImportMap().resolve("click")
    assert (mapped.distribution, mapped.rule, mapped.key) == ("click", "builtin-table", "click")
    assert ImportMap().resolve("requests.adapters").rule == "builtin-table"
    # an override still wins, and a module that is not listed still falls back
    assert ImportMap(repo_map={"click": "click-fork"}).resolve("click").distribution == "click-fork"
    assert ImportMap().resolve("surely_unknown_mod").rule == "fallback"
