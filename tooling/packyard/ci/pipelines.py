"""CI over changed packages: job matrices and GitLab child pipelines.

The pipelines shipped with the repository (``.github/workflows/``, ``.gitlab-ci.yml``,
``azure-pipelines.yml``) all start from :func:`packyard.ci.changes.detect_changes` and run one
job per package (or per group of packages, when a CI system caps the number of jobs):

* for a pull request / merge request, ``nox -s test_install-NAME``;
* on the default branch, the packages changed since their own last release
  (:func:`packyard.ci.since_release.detect_since_last_release`): ``invoke release NAME`` then, even
  when a release failed, ``invoke push-release`` (the tags and tracking-file commits of
  the packages that did release, rebased and retried when another job pushed first; the
  job still fails at the end), and one final job: ``invoke readme`` and the documentation
  (``invoke docs-publish`` on GitHub, a ``pages`` job on GitLab, a pipeline artifact on
  Azure).

This module turns a list of packages into what each CI system reads (a GitHub matrix, an
Azure matrix object, a GitLab child pipeline); :mod:`packyard.ci.localci` runs the same
steps locally, in sequence (``invoke ci``).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from packyard.fsutil import write_text_atomic
from packyard.repo import Repository

#: The most jobs a GitHub Actions matrix may have.
GITHUB_MAX_JOBS = 256
#: The nox session that tests a package, as ``test_install-NAME``.
TEST_SESSION = "test_install"
#: The CI variable naming the repository ``invoke release`` uploads to.
REPOSITORY_VARIABLE = "PACKYARD_REPOSITORY"
#: The CI variable naming the Python image GitLab jobs run in.
IMAGE_VARIABLE = "PACKYARD_PYTHON_IMAGE"
#: The most entries a GitLab job's ``needs`` may list (the generated pipelines use none).
GITLAB_MAX_NEEDS = 50
#: The GitLab ``cache:`` of a test job: the test-install result cache, kept per job (so
#: per package) between pipelines (see :mod:`packyard.building.resultcache`); releases never use it.
TEST_CACHE = {"key": "packyard-$CI_JOB_NAME", "paths": [".packyard/cache/"]}


def release_units(repo: Repository, names: Sequence[str]) -> list[list[str]]:
    """Group packages that must be released in one job: a package with the siblings it
    needs (directly or not) among ``names``, siblings first. Released in separate
    parallel jobs, a package could reach its index before the sibling it requires.

    Args:
        repo: the repository.
        names: the import names to release, in the order wanted.

    Returns:
        The units, in the order of their first name in ``names``.

    Raises:
        InferenceError: siblings import each other in a cycle.
    """
    wanted = list(dict.fromkeys(names))
    parent = {name: name for name in wanted}

    def find(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    closures = {name: repo.sibling_closure(name) for name in wanted}
    for name, closure in closures.items():
        for sibling in closure:
            if sibling in parent:
                parent[find(name)] = find(sibling)
    units: dict[str, list[str]] = {}
    for name in wanted:
        unit = units.setdefault(find(name), [])
        for member in [*closures[name], name]:  # each after the siblings it needs
            if member in parent and member not in unit:
                unit.append(member)
    return list(units.values())


def matrix_groups(
    names: Sequence[str],
    max_jobs: int | None = None,
    *,
    units: Sequence[Sequence[str]] | None = None,
) -> list[str]:
    """Split packages into at most ``max_jobs`` jobs.

    Args:
        names: import names, in the order wanted.
        max_jobs: the most jobs allowed (GitHub allows 256 per matrix); no limit when
            None or 0.
        units: names that must share a job, in order (see :func:`release_units`); each
            name alone when None. ``names`` is ignored when given.

    Returns:
        One string per job: an import name, or several separated by single spaces when
        there are more packages than jobs (consecutive runs of names, sizes differing by
        at most one).

    Raises:
        ValueError: ``max_jobs`` is negative.

    >>> matrix_groups(["a", "b", "c"])
    ['a', 'b', 'c']
    >>> matrix_groups(["a", "b", "c", "d", "e"], max_jobs=2)
    ['a b c', 'd e']
    >>> matrix_groups([], units=[["base", "app"], ["solo"]])
    ['base app', 'solo']
    """
    if max_jobs is not None and max_jobs < 0:
        raise ValueError(f"max_jobs must be positive, not {max_jobs}")
    parts = [list(u) for u in units] if units is not None else [[n] for n in names]
    if not max_jobs or len(parts) <= max_jobs:
        return [" ".join(part) for part in parts]
    size, extra = divmod(len(parts), max_jobs)
    groups = []
    start = 0
    for index in range(max_jobs):
        end = start + size + (1 if index < extra else 0)
        groups.append(" ".join(name for part in parts[start:end] for name in part))
        start = end
    return groups


def session_names(group: str) -> list[str]:
    """The nox sessions of a job: ``"a b"`` -> ``["test_install-a", "test_install-b"]``."""
    return [f"{TEST_SESSION}-{name}" for name in group.split()]


def _job_key(group: str, index: int) -> str:
    return group if " " not in group else f"group_{index + 1}"


def azure_matrix(groups: Sequence[str]) -> dict[str, dict[str, str]]:
    """The object an Azure Pipelines ``strategy: matrix`` expression reads.

    Args:
        groups: one string per job, as :func:`matrix_groups` returns.

    Returns:
        job name -> ``{"PACKAGES": group}``; the job name is the package's import name,
        or ``group_N`` for a job of several packages.

    >>> azure_matrix(["a", "b c"])
    {'a': {'PACKAGES': 'a'}, 'group_2': {'PACKAGES': 'b c'}}
    """
    return {_job_key(group, i): {"PACKAGES": group} for i, group in enumerate(groups)}


# ---------------------------------------------------------------------------------------
# GitLab child pipelines
# ---------------------------------------------------------------------------------------

_GITLAB_SETUP = [
    "python -m pip install --quiet --upgrade pip",
    "python -m pip install --quiet -e .",
]
_GITLAB_GIT_IDENTITY = [
    'git config user.name "${GITLAB_USER_NAME:-packyard}"',
    'git config user.email "${GITLAB_USER_EMAIL:-packyard@localhost}"',
    # A credential helper that reads the token from the environment when git asks for
    # it: the token is never written to .git/config or put on a command line.
    "git config credential.helper "
    "'!f() { echo username=oauth2; echo \"password=${PACKYARD_PUSH_TOKEN}\"; }; f'",
    'git remote set-url origin "${CI_SERVER_URL}/${CI_PROJECT_PATH}.git"',
    'git fetch --quiet --tags origin "$CI_COMMIT_BRANCH"',
]


def release_script(release: str, push: str) -> str:
    """A shell script that runs ``release``, then ``push`` even when ``release`` failed
    (the packages that did release are pushed), and exits with ``release``'s status (or
    ``push``'s, when the push fails under ``set -e``).

    >>> print(release_script("invoke release a", "invoke push-release"))
    rc=0
    invoke release a || rc=$?
    invoke push-release
    exit "$rc"
    """
    return f'rc=0\n{release} || rc=$?\n{push}\nexit "$rc"'


def gitlab_child_pipeline(groups: Sequence[str], *, release: bool) -> dict[str, Any]:
    """A GitLab child pipeline running one job per group of packages.

    No job has ``needs`` (GitLab allows at most :data:`GITLAB_MAX_NEEDS` entries): the
    ``publish`` job waits for every release job by stage order, and runs after failures
    too (``when: always``).

    Args:
        groups: one string per job (see :func:`matrix_groups`); may be empty.
        release: False for tests (``nox -s test_install-NAME``, with the result cache
            kept in GitLab's ``cache:``); True for releases
            (``invoke release NAME``, then ``invoke push-release`` even when a release
            failed, then one ``publish`` job: ``invoke readme``). The documentation is
            the ``pages`` job of ``.gitlab-ci.yml``: GitLab Pages serves what a job named
            ``pages`` leaves in ``public/``.

    Returns:
        The pipeline as a dict; :func:`write_pipeline` writes it. With no group, a
        single job says that nothing changed (a child pipeline needs one job).

    The jobs read these CI/CD variables: ``PACKYARD_PYTHON_IMAGE`` (the image, set in
    ``.gitlab-ci.yml``), and for releases ``PACKYARD_REPOSITORY`` (where to upload),
    ``PACKYARD_PUSH_TOKEN`` (a project access token allowed to push), and the
    repository's credential variables (e.g. ``PYPI_API_TOKEN``).
    """
    pipeline: dict[str, Any] = {
        "default": {"image": f"${IMAGE_VARIABLE}", "before_script": list(_GITLAB_SETUP)},
        "variables": {"GIT_DEPTH": "0", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    }
    if not groups:
        pipeline["stages"] = ["test"]
        pipeline["nothing-changed"] = {
            "stage": "test",
            "before_script": [],
            "script": ['echo "no package changed: nothing to do"'],
        }
        return pipeline
    if not release:
        pipeline["stages"] = ["test"]
        for index, group in enumerate(groups):
            pipeline[f"{TEST_SESSION}-{_job_key(group, index)}"] = {
                "stage": "test",
                "script": [shlex.join(["nox", "-s", *session_names(group)])],
                "cache": dict(TEST_CACHE),
            }
        return pipeline
    pipeline["stages"] = ["release", "publish"]
    setup = [*_GITLAB_SETUP, *_GITLAB_GIT_IDENTITY]
    push = 'invoke push-release --branch "$CI_COMMIT_BRANCH"'
    for index, group in enumerate(groups):
        names = ",".join(group.split())
        release_line = f'invoke release {names} --repository "${REPOSITORY_VARIABLE}"'
        pipeline[f"release-{_job_key(group, index)}"] = {
            "stage": "release",
            "before_script": setup,
            "script": [release_script(release_line, push)],
        }
    pipeline["publish"] = {
        "stage": "publish",
        "when": "always",  # after every release job (stage order), even failed ones
        "before_script": setup,
        "script": [
            'git checkout -B "$CI_COMMIT_BRANCH" "origin/$CI_COMMIT_BRANCH"',
            "invoke readme",
            'git diff --quiet -- README.md || git commit -m "docs: the package table" -- README.md',
            push,
        ],
    }
    return pipeline


def write_pipeline(path: Path, pipeline: dict[str, Any]) -> None:
    """Write a pipeline as JSON (which is YAML) atomically: a temporary file in the same
    folder, then :func:`os.replace`.

    Raises:
        OSError: the folder cannot be written.
    """
    write_text_atomic(Path(path), json.dumps(pipeline, indent=2) + "\n")
