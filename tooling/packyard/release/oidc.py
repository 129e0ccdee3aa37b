"""PyPI trusted publishing: trade the CI system's OpenID Connect identity for a short-lived
upload token.

The exchange is PyPI's (and twine's): ask the index which audience it wants
(``https://DOMAIN/_/oidc/audience``), get an identity token for that audience from the CI
system (GitHub Actions, GitLab CI, Buildkite, CircleCI, Google Cloud: through the ``id``
library twine already depends on), and post it to ``https://DOMAIN/_/oidc/mint-token``,
which answers with an API token valid for about 15 minutes. DOMAIN is the upload URL's
(``upload.pypi.org``); its scheme is kept, so a test can serve the exchange on loopback.

The token is returned to the caller only: never printed, logged or written.
``invoke release NAME --trusted-publishing`` mints it inside the upload step, right
before ``twine upload`` (:func:`trusted_publishing_credentials`), so it is fresh however
long the gates, build and tests took, and only twine's environment holds it.
``packyard with-trusted-publishing -- COMMAND`` mints it first and hands it to one child
command in that command's environment (for commands other than a release).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from packyard.errors import ReleaseError
from packyard.index.repository_config import Credentials, RepositoryConfig

_HINT = (
    "on GitHub Actions give the job 'permissions: id-token: write'; on GitLab add "
    "'id_tokens: PYPI_ID_TOKEN: aud: pypi'; and register this workflow as a trusted "
    "publisher of the project on the index"
)


def _detect(audience: str) -> str | None:
    from id import AmbientCredentialError, detect_credential

    try:
        return detect_credential(audience)
    except AmbientCredentialError as exc:
        raise ReleaseError(f"the CI system gave no identity token: {exc}", hint=_HINT) from None


def _json(request: urllib.request.Request, timeout: float, what: str) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read().decode("utf-8"))
            reasons = "; ".join(
                f"{e.get('code')}: {e.get('description')}" for e in body.get("errors", [])
            )
        except (ValueError, AttributeError):
            reasons = ""
        raise ReleaseError(
            f"{what} failed: HTTP {exc.code} from {request.full_url}"
            + (f" ({reasons})" if reasons else ""),
            hint=_HINT,
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ReleaseError(f"{what} failed: {request.full_url}: {exc}", hint=_HINT) from None
    if not isinstance(data, dict):
        raise ReleaseError(f"{what}: {request.full_url} did not answer a JSON object")
    return data


def mint_upload_token(
    upload_url: str,
    *,
    detect: Callable[[str], str | None] = _detect,
    timeout: float = 10.0,
) -> str:
    """Get a short-lived upload token for ``upload_url`` by trusted publishing.

    Args:
        upload_url: the index's upload URL, e.g. ``https://upload.pypi.org/legacy/``.
        detect: returns the CI system's identity token for an audience, or None when not
            running on a supported CI system (the default asks the ``id`` library).
        timeout: seconds to wait for each HTTP request.

    Returns:
        The API token (for the user name ``__token__``).

    Raises:
        ReleaseError: not on a supported CI system, no permission to get an identity
            token, the index refused the exchange (its reasons are in the message) or is
            unreachable.
    """
    parts = urlsplit(upload_url)
    if not parts.scheme or not parts.netloc:
        raise ReleaseError(f"not an upload URL: {upload_url!r}")
    origin = f"{parts.scheme}://{parts.netloc}"
    audience = _json(
        urllib.request.Request(f"{origin}/_/oidc/audience"), timeout, "asking the audience"
    ).get("audience")
    if not isinstance(audience, str):
        raise ReleaseError(f"{origin}/_/oidc/audience gave no audience", hint=_HINT)
    identity = detect(audience)
    if not identity:
        raise ReleaseError(
            "trusted publishing needs a CI system's identity token, and none was found "
            "(not GitHub Actions, GitLab CI, Buildkite, CircleCI or Google Cloud?)",
            hint=_HINT,
        )
    request = urllib.request.Request(
        f"{origin}/_/oidc/mint-token",
        data=json.dumps({"token": identity}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    token = _json(request, timeout, "the token exchange").get("token")
    if not isinstance(token, str) or not token:
        raise ReleaseError(f"{origin}/_/oidc/mint-token answered without a token", hint=_HINT)
    return token


#: The user name of PyPI API tokens.
TOKEN_USER = "__token__"


def check_trusted_publishing(repository: RepositoryConfig) -> None:
    """Check that ``repository`` can take a token minted by trusted publishing: it has a
    fixed upload URL (not ``local``).

    Raises:
        ReleaseError: it cannot (the hint names the repositories that can).
    """
    if repository.is_local or repository.url is None:
        raise ReleaseError(
            f"repository {repository.name!r} cannot use trusted publishing: it has no "
            "upload URL of an index that mints tokens",
            hint="use --repository pypi or testpypi (or a repository whose url is such an index)",
        )


def trusted_publishing_credentials(
    repository: RepositoryConfig,
    *,
    detect: Callable[[str], str | None] = _detect,
    timeout: float = 10.0,
) -> Credentials:
    """Mint a short-lived upload token for ``repository`` (see :func:`mint_upload_token`)
    and wrap it as the credentials twine gets: user ``__token__`` (or the repository's
    fixed user name), the token as password.

    Call it right before the upload: the token is valid for about 15 minutes.

    Raises:
        ReleaseError: the repository has no upload URL, or minting failed (as in
            :func:`mint_upload_token`).
    """
    check_trusted_publishing(repository)
    assert repository.url is not None
    token = mint_upload_token(repository.url, detect=detect, timeout=timeout)
    return Credentials(repository.username or TOKEN_USER, token, "trusted publishing")
