"""The token cache: atomic writes, no links followed, nothing trusted that someone else wrote."""

import json
import logging
import os
import stat
from pathlib import Path

import pytest

import kraken_energy as kc
from kraken_energy import KrakenAuth
from kraken_energy._token_cache import TokenCache
from kraken_energy._tokens import Tokens

TOKENS = Tokens("jwt-token", 2_000_000_000.0, "refresh-token", 2_000_000_000.0)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    return private


def test_a_saved_cache_is_0600_and_loads_back(folder: Path) -> None:
    """What `save` writes is a 0600 file that `load` returns for the same credential only."""
    cache = TokenCache(folder / "tokens.json")
    cache.save("fingerprint", TOKENS)
    assert stat.S_IMODE(os.stat(folder / "tokens.json").st_mode) == 0o600
    assert cache.load("fingerprint") == TOKENS
    assert cache.load("another credential") is None
    assert [p.name for p in folder.iterdir()] == ["tokens.json"]  # no temporary file left


def test_saving_replaces_a_planted_link_instead_of_writing_through_it(folder: Path) -> None:
    """A link planted at the cache's name is replaced by the new file; its target is untouched."""
    victim = folder.parent / "victim.txt"
    victim.write_text("precious")
    (folder / "tokens.json").symlink_to(victim)
    TokenCache(folder / "tokens.json").save("fingerprint", TOKENS)
    assert victim.read_text() == "precious"
    assert not (folder / "tokens.json").is_symlink()


def test_saving_rewrites_a_file_someone_else_made_wider(folder: Path) -> None:
    """An existing cache file with wide permissions is replaced by a fresh 0600 one."""
    existing = folder / "tokens.json"
    existing.write_text("{}")
    existing.chmod(0o666)
    TokenCache(existing).save("fingerprint", TOKENS)
    assert stat.S_IMODE(os.stat(existing).st_mode) == 0o600


def test_a_link_is_not_followed_when_reading(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A cache that is a link to a valid cache elsewhere is ignored, with a warning."""
    elsewhere = folder.parent / "planted.json"
    TokenCache(elsewhere).save("fingerprint", TOKENS)
    (folder / "tokens.json").symlink_to(elsewhere)
    with caplog.at_level(logging.WARNING, logger="kraken_energy"):
        assert TokenCache(folder / "tokens.json").load("fingerprint") is None
    assert "ignored" in caplog.text


@pytest.mark.parametrize("content", [
    "not json", "[]", json.dumps({"credential": "fingerprint"}),
    json.dumps({"credential": "fingerprint", "token": 5}),
    json.dumps({"credential": "fingerprint", "token": "t", "expires_at": "soon"}),
    json.dumps({"credential": "fingerprint", "token": "t", "refresh_expires_at": 1e999}),
])
def test_a_corrupt_cache_is_ignored_with_a_warning(
    folder: Path, caplog: pytest.LogCaptureFixture, content: str
) -> None:
    """A cache cut short or of the wrong shape is ignored with a warning, never a KeyError."""
    (folder / "tokens.json").write_text(content)
    with caplog.at_level(logging.WARNING, logger="kraken_energy"):
        assert TokenCache(folder / "tokens.json").load("fingerprint") is None
    assert "not a token cache" in caplog.text


def test_a_corrupt_cache_does_not_stop_a_client_being_built(folder: Path) -> None:
    """A corrupt cache written for this very credential leaves the auth without tokens."""
    fingerprint = KrakenAuth(kc.APIKey("k"))._fingerprint()
    (folder / "tokens.json").write_text(json.dumps({"credential": fingerprint}))  # no "token"
    auth = KrakenAuth(kc.APIKey("k"), token_cache=folder / "tokens.json")
    assert auth._tokens is None


def test_a_cache_owned_by_someone_else_is_ignored(
    folder: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache file owned by another user is ignored with a warning."""
    cache = TokenCache(folder / "tokens.json")
    cache.save("fingerprint", TOKENS)
    if os.getuid() == 0:
        os.chown(folder / "tokens.json", 4242, -1)  # another user's file
    else:
        monkeypatch.setattr(os, "getuid", lambda: 4242)  # the file is now someone else's
    with caplog.at_level(logging.WARNING, logger="kraken_energy"):
        assert cache.load("fingerprint") is None
    assert "owned by this user" in caplog.text


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o1777])
def test_a_folder_others_can_write_to_is_refused(tmp_path: Path, mode: int) -> None:
    """A cache in a folder writable by others is refused when the auth is built, naming it."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(mode)
    with pytest.raises(kc.InvalidArgumentError, match="can be written by other users") as caught:
        KrakenAuth(kc.APIKey("k"), token_cache=shared / "tokens.json")
    assert str(shared) in str(caught.value)
