"""update_schema.py: the drift summary it prints, and how it treats endpoint credentials."""

import httpx
import pytest
from graphql import build_schema, get_introspection_query, graphql_sync, parse
from pytest_httpx import HTTPXMock
from schema_tools import prune_schema
from update_schema import main, source_label

SDL = """
type Query { colour: Colour  kept: String  other: Int }
enum Colour { RED GREEN }
"""
OPERATION = "query q { colour kept }"
URL = "https://kraken.test/v1/graphql/"
TOKEN = "stale-token-value"


@pytest.fixture
def project(tmp_path):
    """A queries/ folder and a schema.graphql pruned from SDL, as a project holds them."""
    (tmp_path / "queries").mkdir()
    (tmp_path / "queries" / "q.graphql").write_text(OPERATION)
    label = source_label(str(tmp_path / "same.graphql"))
    pruned = prune_schema(build_schema(SDL), parse(OPERATION), label)
    (tmp_path / "schema.graphql").write_text(pruned)
    return tmp_path


def run(project, source: str) -> int:
    return main(["--source", source, "--queries", str(project / "queries"),
                 "--output", str(project / "schema.graphql")])


def test_changed_schema_prints_what_changed_for_the_operations(project, capsys) -> None:
    """When schema.graphql changes, the operations' drift is printed before the file is written."""
    (project / "new.graphql").write_text(SDL.replace("RED GREEN", "RED GREEN BLUE"))
    assert run(project, str(project / "new.graphql")) == 0
    out = capsys.readouterr().out
    assert "HANDLED q" in out
    assert "Colour.BLUE" in out
    assert "BLUE" in (project / "schema.graphql").read_text()
    assert "now run: python scripts/kraken_tools.py generate" in out


def test_breaking_source_names_the_operation_and_writes_nothing(project, capsys) -> None:
    """A source that breaks an operation prints which and why, exits 1, leaves the file alone."""
    before = (project / "schema.graphql").read_text()
    (project / "new.graphql").write_text(SDL.replace("  kept: String", ""))
    assert run(project, str(project / "new.graphql")) == 1
    captured = capsys.readouterr()
    assert "BROKEN q" in captured.out
    assert "Query.kept: Query.kept was removed." in captured.out
    assert "fix: edit the operations named above" in captured.err
    assert (project / "schema.graphql").read_text() == before


def test_unchanged_schema_prints_no_summary(project, capsys) -> None:
    """An up-to-date schema.graphql is reported as such, without a drift summary."""
    (project / "same.graphql").write_text(SDL.replace("  other: Int", ""))
    assert run(project, str(project / "same.graphql")) == 0
    out = capsys.readouterr().out
    assert out == "schema.graphql is up to date\n"


def introspection() -> dict:
    return graphql_sync(build_schema(SDL), get_introspection_query()).data


def token_error(code: str) -> dict:
    return {"data": None, "errors": [{"message": "Signature of the JWT has expired.",
                                      "extensions": {"errorCode": code}}]}


@pytest.mark.parametrize("code", ["KT-CT-1124", "KT-CT-1111", "KT-CT-1143"])
def test_refused_token_is_dropped_and_introspection_retried_anonymously(
    project, capsys, monkeypatch, httpx_mock: HTTPXMock, code
) -> None:
    """A token error from the endpoint makes one anonymous retry, said on stderr, token unshown."""
    monkeypatch.setenv("KRAKEN_TOKEN", TOKEN)
    httpx_mock.add_response(url=URL, json=token_error(code))
    httpx_mock.add_response(url=URL, json={"data": introspection()})
    assert run(project, URL) == 0
    first, second = httpx_mock.get_requests()
    assert first.headers["Authorization"] == TOKEN
    assert "Authorization" not in second.headers
    captured = capsys.readouterr()
    assert f"refused the token ({code}); retrying once without an Authorization header" in (
        captured.err)
    assert TOKEN not in captured.out + captured.err


def test_other_errors_keep_the_token_and_fail_clearly(project, capsys, httpx_mock: HTTPXMock):
    """An error that is not about the token is no reason to drop it; introspection is refused."""
    httpx_mock.add_response(url=URL, json=token_error("KT-CT-1199"), is_reusable=True)
    assert main(["--source", URL, "--token", TOKEN, "--queries", str(project / "queries"),
                 "--output", str(project / "schema.graphql")]) == 1
    assert {request.headers["Authorization"] for request in httpx_mock.get_requests()} == {TOKEN}
    assert "introspection refused" in capsys.readouterr().err


def test_anonymous_request_is_not_retried_on_a_token_error(project, monkeypatch,
                                                           httpx_mock: HTTPXMock) -> None:
    """Without a token there is nothing to drop: one request per introspection form, no more."""
    monkeypatch.delenv("KRAKEN_TOKEN", raising=False)
    httpx_mock.add_response(url=URL, json=token_error("KT-CT-1124"), is_reusable=True)
    assert run(project, URL) == 1
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(200, json={"hello": "world"}), "without `data` or `errors`"),
        (httpx.Response(200, json=[1, 2]), "without `data` or `errors`"),
        (httpx.Response(503, text="<html>down</html>"), "HTTP 503"),
    ],
)
def test_non_graphql_endpoint_gives_a_clear_error(project, capsys, httpx_mock: HTTPXMock,
                                                  response, message) -> None:
    """A JSON answer that is no GraphQL response is named as such, not misread."""
    httpx_mock.add_callback(lambda request: response)
    assert run(project, URL) == 1
    assert message in capsys.readouterr().err


def test_source_label_keeps_symlinked_paths_as_given(tmp_path, monkeypatch) -> None:
    """A schema reached through a symlinked folder is recorded by the path given, not resolved."""
    import update_schema

    real = tmp_path / "elsewhere" / "schemas"
    real.mkdir(parents=True)
    (real / "s.graphql").write_text("type Query { a: Int }")
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "shared").symlink_to(real.parent)
    monkeypatch.setattr(update_schema, "ROOT", project)
    given = "../shared/schemas/s.graphql"
    assert update_schema.source_label(given) == given
