"""Discovery against real servers: what a partial backend serves, from its answers alone."""

from __future__ import annotations

from pathlib import Path

from harness.report.coverage import DeclaredOperation, declared_operations
from harness.routing.cli import main
from harness.routing.discover import discover, sample_path
from harness.routing.manifest import load_manifest
from harness.spec_drift import load_spec

SPEC = Path(__file__).parents[3] / "spec" / "openapi.yaml"


def op(method: str, path: str, operation_id: str) -> DeclaredOperation:
    return DeclaredOperation(method=method, path=path, operation_id=operation_id)


def test_sample_paths_fill_every_parameter() -> None:
    assert sample_path("/api/v1/groups/{id}/subgroups") == "/api/v1/groups/1/subgroups"


def test_a_404_shaped_like_a_record_not_found_counts_as_ported() -> None:
    def probe(method: str, path: str) -> tuple[int, str]:
        if path.startswith("/api/v1/groups/"):
            return 404, '{"error": "Group not found"}'
        return 404, f"no route for {path}"

    found = discover([op("GET", "/api/v1/groups/{id}", "show"), op("GET", "/x/{id}", "x")], probe)
    assert [(d.operation.operation_id, d.ported) for d in found] == [("show", True), ("x", False)]


def test_discovery_of_a_real_partial_server_writes_its_manifest(start_mini, tmp_path) -> None:
    _, port = start_mini()
    out = tmp_path / "routes.yaml"
    code = main(
        ["--discover", "--go-url", f"http://127.0.0.1:{port}", "--spec", str(SPEC), "-o", str(out)]
    )
    assert code == 0
    manifest = load_manifest(out)
    ported = {r.operation_id for r in manifest.rules if r.target.ported}
    # the mini app routes POST /api/v1/sessions and /api/v1/groups, GET /api/v1/profile/me
    # and /up, nothing else of the spec
    assert ported == {"sessions_create", "groups_create", "profile_me", "up"}
    spec = load_spec(str(SPEC))
    assert len(manifest.rules) == len(declared_operations(spec))


def test_discovery_of_an_unreachable_server_is_one_line(tmp_path, capsys) -> None:
    from harness.ports import free_port

    code = main(["--discover", "--go-url", f"http://127.0.0.1:{free_port()}", "--spec", str(SPEC)])
    assert code == 2
    err = capsys.readouterr().err
    assert "Is the Go backend running at --go-url?" in err and "Traceback" not in err
