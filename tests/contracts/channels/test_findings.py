"""contracts.channels.findings: violations and dead servers as `channel` findings."""

from __future__ import annotations

from contracts.channels.findings import deaths_of, findings_of
from contracts.channels.run import Violation
from harness.compare import Difference, Kind
from harness.findings import FindingKind


def test_a_violation_names_its_check_side_socket_and_pointer() -> None:
    difference = Difference(
        pointer="/3", kind=Kind.MISSING_ITEM, rails={"x": 1}, go="<absent>", detail="d"
    )
    (finding,) = findings_of(["connect s0"], [Violation("room_oracle", "go", "s0", difference)])
    assert finding.kind is FindingKind.CHANNEL
    assert (finding.check, finding.backend, finding.operation) == ("room_oracle", "go", "socket s0")
    assert finding.title == "room_oracle: missing_item at /*" and finding.steps == ("connect s0",)
    assert "the room oracle" in finding.detail


def test_a_dead_server_is_one_finding_with_the_script_it_died_in() -> None:
    (finding,) = deaths_of({"rails": (["PUBLISH /records '{' (not JSON)"], "SyntaxError")})
    assert finding.check == "channel_server_alive" and finding.backend == "rails"
    assert finding.steps[-1].endswith("(not JSON)") and "SyntaxError" in finding.detail
