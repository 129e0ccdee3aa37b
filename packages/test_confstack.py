"""Tests of confstack: merging, coercion, the environment layer and YAML loading."""

import textwrap

import confstack
import pytest
from confstack import ConfigError, coerce, deep_merge, env_layer, get, load, load_yaml


def _write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_deep_merge_is_recursive_and_does_not_mutate():
    base = {"db": {"host": "localhost", "pool": {"min": 1, "max": 5}}, "tags": ["a"]}
    override = {"db": {"pool": {"max": 20}}, "tags": ["b"], "new": {"x": 1}}
    merged = deep_merge(base, override)
    assert merged == {
        "db": {"host": "localhost", "pool": {"min": 1, "max": 20}},
        "tags": ["b"],
        "new": {"x": 1},
    }
    assert base["db"]["pool"]["max"] == 5
    merged["new"]["x"] = 2
    assert override["new"]["x"] == 1


def test_deep_merge_replaces_scalars_with_mappings_and_back():
    assert deep_merge({"a": 1}, {"a": {"b": 2}}) == {"a": {"b": 2}}
    assert deep_merge({"a": {"b": 2}}, {"a": None}) == {"a": None}


@pytest.mark.parametrize(
    ("raw", "like", "expected"),
    [
        ("42", 1, 42),
        ("2.5", 1.0, 2.5),
        ("3", 1.0, 3.0),
        ("Off", True, False),
        ("1", False, True),
        ("007", "x", "007"),
        (" padded ", "x", " padded "),
        ("a, b,,c", ["x"], ["a", "b", "c"]),
        ("1,2", [0], [1, 2]),
        ('["x", 1]', [], ["x", 1]),
        ('{"k": 1}', {}, {"k": 1}),
    ],
)
def test_coerce_like(raw, like, expected):
    result = coerce(raw, like)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("NO", False),
        ("null", None),
        ("12", 12),
        ("1e3", 1000.0),
        ("[1, 2]", [1, 2]),
        ("{bad", "{bad"),
        ("hello", "hello"),
        ("1", 1),
    ],
)
def test_coerce_guess(raw, expected):
    assert coerce(raw) == expected
    assert coerce(raw, None) == expected


@pytest.mark.parametrize(("raw", "like"), [("maybe", True), ("ten", 1), ("[1", []), ("[]", {})])
def test_coerce_rejects(raw, like):
    with pytest.raises(ValueError):
        coerce(raw, like)


def test_env_layer_nesting_prefix_and_key_matching():
    environ = {
        "APP_DATABASE__PORT": "6543",
        "app_debug": "yes",
        "APP_LOGLEVEL": "DEBUG",
        "APP_LOG_FILE": "/var/log/app.log",
        "APP_CACHE__REDIS__HOSTS": "r1,r2",
        "APPLICATION_X": "not ours",
        "APP_": "no key",
        "APP_BAD____KEY": "empty part",
    }
    like = {"database": {"port": 5432}, "logLevel": "INFO", "log-file": "app.log"}
    layer = env_layer("APP_", environ, like=like)
    assert layer == {
        "database": {"port": 6543},
        "debug": True,
        "logLevel": "DEBUG",
        "log-file": "/var/log/app.log",
        "cache": {"redis": {"hosts": "r1,r2"}},  # nothing to go by: stays a string
    }


def test_env_layer_errors_name_the_variable():
    with pytest.raises(ConfigError, match="APP_DB__PORT"):
        env_layer("APP", {"APP_DB__PORT": "high"}, like={"db": {"port": 1}})
    with pytest.raises(ConfigError, match="APP_DB__PORT nests under 'db'"):
        env_layer("APP", {"APP_DB": "sqlite", "APP_DB__PORT": "1"})


def test_env_layer_reads_os_environ(monkeypatch):
    monkeypatch.setenv("CONFSTACKTEST_SERVICE__WORKERS", "8")
    assert env_layer("CONFSTACKTEST") == {"service": {"workers": 8}}


def test_load_yaml(tmp_path):
    path = _write(tmp_path, "a.yaml", "server:\n  port: 8000\n  hosts: [a, b]\n")
    assert load_yaml(path) == {"server": {"port": 8000, "hosts": ["a", "b"]}}
    assert load_yaml(_write(tmp_path, "empty.yaml", "")) == {}
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_yaml(_write(tmp_path, "list.yaml", "- 1\n- 2\n"))
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_yaml(_write(tmp_path, "bad.yaml", "key: [unclosed\n"))


def test_load_layers_in_order(tmp_path):
    base = _write(
        tmp_path,
        "base.yaml",
        """\
        debug: false
        database:
          host: db.internal
          port: 5432
          options: {sslmode: require}
        features: [search]
        """,
    )
    local = _write(tmp_path, "local.yaml", "database:\n  host: localhost\n")
    environ = {"SVC_DEBUG": "true", "SVC_DATABASE__PORT": "6432", "SVC_FEATURES": "a,b"}
    config = load(
        base,
        tmp_path / "missing.yaml",
        str(local),
        env_prefix="SVC",
        defaults={"database": {"timeout": 30}, "debug": True},
        environ=environ,
    )
    assert config == {
        "debug": True,
        "database": {
            "timeout": 30,
            "host": "localhost",
            "port": 6432,
            "options": {"sslmode": "require"},
        },
        "features": ["a", "b"],
    }
    assert get(config, "database.options.sslmode") == "require"


def test_load_missing_file_and_no_env(tmp_path, monkeypatch):
    monkeypatch.setenv("NOPE_X", "1")
    assert load(tmp_path / "none.yaml", defaults={"x": 0}) == {"x": 0}
    with pytest.raises(ConfigError, match="not found"):
        load(tmp_path / "none.yaml", missing_ok=False)


def test_get():
    config = {"a": {"b": {"c": 1}}, "n": None}
    assert get(config, "a.b.c") == 1
    assert get(config, "n") is None
    assert get(config, "a.x", default="d") == "d"
    assert get(config, "a.b.c.d", default=0) == 0
    with pytest.raises(KeyError):
        get(config, "a.b.x")


def test_module_metadata():
    assert confstack.__doc__.splitlines()[0].startswith("Layered configuration")
    assert set(confstack.__all__) == {
        "ConfigError",
        "coerce",
        "deep_merge",
        "env_layer",
        "get",
        "load",
        "load_yaml",
    }
    assert issubclass(ConfigError, ValueError)
