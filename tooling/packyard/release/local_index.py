"""The local index (``.packyard/index/``) served: for the length of a release run to
``local`` (:func:`started_index`), and in the foreground for ``invoke index``
(:func:`serve_local_index`).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from packyard.errors import ReleaseError
from packyard.index.local import LocalIndex
from packyard.index.repository_config import RepositoryConfig
from packyard.release.planning import Progress, ReleaseOptions
from packyard.repo import Repository


@contextmanager
def started_index(
    repo: Repository, target: RepositoryConfig, options: ReleaseOptions, progress: Progress
) -> Iterator[RepositoryConfig]:
    """Context manager: the release target, with the local index running for the block when
    it is ``local``.

    Yields ``target`` itself for another repository or a dry run; for ``local``, a copy
    whose upload and simple index URLs point at pypiserver serving ``.packyard/index/`` on
    127.0.0.1 (a free port), stopped when the block exits.

    Raises:
        CommandFailed: the local index did not start (see
            :class:`packyard.index.local.LocalIndex`).
    """
    if not target.is_local or options.dry_run:
        yield target
        return
    with LocalIndex(repo.config.state_dir / "index") as index:
        progress(f"[index] local index on {index.url} (pid {index.pid})")
        yield target.with_urls(index.url, index.simple_url)


def serve_local_index(repo: Repository, *, port: int | None, progress: Progress = print) -> None:
    """Serve the local repository (``.packyard/index/``) in the foreground until
    interrupted (Ctrl-C or SIGTERM), then stop the server by its PID.

    A project the folder does not hold (a third-party dependency) is redirected to the
    configured ``index-url``; a project it holds is served from the folder alone. So
    ``pip install --index-url http://127.0.0.1:PORT/simple/ NAME`` installs a package
    with its dependencies, and its own and its siblings' distributions never come from
    a public project of the same name.

    Args:
        repo: the repository.
        port: the TCP port on 127.0.0.1; a free one when None or 0.
        progress: receives the URL and the pip command that installs from it.

    Raises:
        CommandFailed: the server did not start (the port is taken...).
        ReleaseError: it started, then exited before Ctrl-C or SIGTERM stopped it.
    """
    from packyard.release.readme_table import local_install_command

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    folder = repo.config.state_dir / "index"
    previous = signal.signal(signal.SIGTERM, interrupt)  # stop the server on SIGTERM too
    try:
        with LocalIndex(folder, port=port or None, fallback_url=repo.config.index_url) as index:
            progress(
                f"serving {folder} at {index.simple_url} (pid {index.pid}), other projects "
                f"from {repo.config.index_url}; Ctrl-C stops it"
            )
            assert index.port is not None
            progress(local_install_command("NAME", index.port))
            assert index.process is not None
            try:
                status = index.process.wait()
            except KeyboardInterrupt:
                return
            raise ReleaseError(f"the local index exited with status {status}")
    finally:
        signal.signal(signal.SIGTERM, previous)
