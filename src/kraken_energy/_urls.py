"""The URLs the client sends to: absolute, https (plain http for loopback only), no credentials.

Credentials in a URL's userinfo (`https://user:secret@host/`) would reach httpx's log lines,
reprs and error messages; they are refused, and no message repeats them.
"""

from __future__ import annotations

import ipaddress

import httpx

from ._constants import LOOPBACK_HOSTS
from ._errors import InvalidArgumentError


def checked_url(url: object, argument: str = "url") -> str:
    """Return `url` if it is an absolute https URL (or http to a loopback host) without userinfo.

    Raises:
        InvalidArgumentError: not a string, not an absolute http(s) URL, plain http to another
            host, or credentials in the URL (the message shows the URL without them).
    """
    if not isinstance(url, str):
        raise InvalidArgumentError(argument, f"must be a URL string, got {type(url).__name__}")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InvalidArgumentError(argument, "not a valid URL") from None
    shown = str(parsed.copy_with(userinfo=b"")) if parsed.userinfo else url
    if parsed.userinfo:
        raise InvalidArgumentError(
            argument,
            f"credentials in the URL are refused ({shown!r} without them); pass a credential "
            "as auth= instead",
        )
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidArgumentError(argument, f"expected an absolute http(s) URL, got {shown!r}")
    if parsed.scheme == "http" and not is_loopback(parsed.host):
        raise InvalidArgumentError(
            argument,
            f"plain http:// is refused for {parsed.host!r}; use https:// (http is allowed "
            "only for loopback hosts such as the fake Kraken)",
        )
    return url


def token_url_for(endpoint: str) -> str:
    """Derive the OAuth `/token/` URL: `auth.<domain>` for `api.<domain>` hosts, else beside."""
    url = httpx.URL(endpoint)
    if url.host.startswith("api."):
        return str(url.copy_with(host="auth." + url.host.removeprefix("api."), path="/token/"))
    return str(url.copy_with(path="/token/", query=None))  # the fake serves it beside GraphQL


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (where plain http is harmless)."""
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
