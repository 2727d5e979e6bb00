"""The channel contract as a Hypothesis state machine: boots, sockets, publications.

Four users and a visitor, four groups; ids are offset per example so the rooms of two
examples never meet. Each rule is one `Script` action on both sides; `teardown` closes
with a record to every user room and a system notice, so a server that stopped delivering
(or died) after the last rule is still seen.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from contracts.channels import payloads
from contracts.channels.oracle import Entry
from contracts.channels.run import FINAL_QUIET, ChannelRun, Script

USERS, GROUPS, MAX_SOCKETS = 4, 4, 8
VISITOR = USERS  # actor index of the visitor (id null)
actors = st.integers(0, USERS)  # the last one is the visitor
groups = st.integers(0, GROUPS - 1)


class ChannelMachine(RuleBasedStateMachine):
    def __init__(self, run: ChannelRun) -> None:
        super().__init__()
        run.examples += 1
        self.run, self.script = run, Script(run)
        self.base = 1000 * run.examples
        self.waited = False

    # -- ids -----------------------------------------------------------------------------

    def user_id(self, actor: int) -> int | None:
        return None if actor == VISITOR else self.base + actor

    def group_id(self, group: int) -> int:
        return self.base + 100 + group

    def token(self, actor: int) -> str:
        return f"ch{self.base}-{actor}"

    def sockets(self, *, connected: bool) -> list[str]:
        return sorted(
            name for name, s in self.script.oracle.sockets.items() if s.connected == connected
        )

    # -- rules ---------------------------------------------------------------------------

    def boot(self, actor: int, member_of: frozenset[int]) -> None:
        """GET /api/v1/boot/site: the token's entry, with the user's groups now."""
        ids = () if actor == VISITOR else tuple(sorted(self.group_id(g) for g in member_of))
        self.script.boot(self.token(actor), Entry(id=self.user_id(actor), group_ids=ids))

    @precondition(lambda self: bool(self.script.oracle.tokens))
    @rule(data=st.data(), member_of=st.frozensets(groups, max_size=3))
    def reboot(self, data: st.DataObject, member_of: frozenset[int]) -> None:
        """A user boots again with other groups (joined or left one): sockets already open
        keep their rooms, new connections get the new ones."""
        booted = [a for a in range(USERS + 1) if self.token(a) in self.script.oracle.tokens]
        self.boot(data.draw(st.sampled_from(booted), label="actor"), member_of)

    @precondition(lambda self: len(self.script.oracle.sockets) < MAX_SOCKETS)
    @rule(
        who=st.sampled_from(("actor", "actor", "actor", "unknown", "missing")),
        actor=actors,
        member_of=st.frozensets(groups, max_size=3),
        claim=st.frozensets(groups, max_size=2),
    )
    def connect(
        self, who: str, actor: int, member_of: frozenset[int], claim: frozenset[int]
    ) -> None:
        """A tab opens its socket; an actor's tab boots first when it has not yet (the
        token comes from the boot)."""
        name = f"s{len(self.script.oracle.sockets)}"
        if who == "actor" and self.token(actor) not in self.script.oracle.tokens:
            self.boot(actor, member_of)
        token = {"actor": self.token(actor), "unknown": f"unknown-{self.base}-{name}"}.get(who)
        if "claims" in self.run.skip:
            claim = frozenset()
        self.script.connect(name, token, tuple(sorted(self.group_id(g) for g in claim)))

    @precondition(lambda self: bool(self.sockets(connected=True)))
    @rule(data=st.data(), how=st.sampled_from(("drop", "drop", "close")))
    def disconnect(self, data: st.DataObject, how: str) -> None:
        """The transport drops (a recoverable session), or the tab disconnects on purpose."""
        name = data.draw(st.sampled_from(self.sockets(connected=True)), label="socket")
        if how == "close" or "recovery" in self.run.skip:
            self.script.close(name)
        else:
            self.script.drop(name)

    @precondition(lambda self: bool(self.sockets(connected=False)))
    @rule(data=st.data(), resume=st.sampled_from((True, True, False)))
    def reconnect(self, data: st.DataObject, resume: bool) -> None:
        name = data.draw(st.sampled_from(self.sockets(connected=False)), label="socket")
        self.script.reconnect(name, resume=resume and "recovery" not in self.run.skip)

    @precondition(
        lambda self: (
            self.run.window is not None
            and not self.waited
            and any(s.kept is not None for s in self.script.oracle.sockets.values())
        )
    )
    @rule()
    def outlast_window(self) -> None:
        """A laptop asleep longer than the recovery window (once per example: it waits)."""
        assert self.run.window is not None
        self.waited = True
        self.script.outlast_window(self.run.window)

    @rule(data=st.data(), to=st.sampled_from(("socket", "socket", "group", "user", "other")))
    def publish(self, data: st.DataObject, to: str) -> None:
        """A /records message to a room some socket is in (or was, before its transport
        dropped), a group room, a user room, or another room."""
        group = self.group_id(data.draw(groups, label="group"))
        rooms = sorted(
            room
            for s in self.script.oracle.sockets.values()
            for room in (s.rooms | (s.kept or frozenset())) - {"notice"}
        )
        if to == "socket" and rooms:
            room: str | None = data.draw(st.sampled_from(rooms), label="room")
        elif to in ("group", "socket"):
            room = f"group-{group}"
        elif to == "user":
            user = self.user_id(data.draw(actors, label="user"))
            room = f"user-{'null' if user is None else user}"
        else:
            room = data.draw(
                st.sampled_from(("notice", None, f"discussion-{group}", f"group-{self.base}"))
            )
        records = data.draw(payloads.envelopes(group), label="records")
        self.script.publish({"room": room, "records": records})

    @precondition(lambda self: "notices" not in self.run.skip)
    @rule(notice=payloads.system_notices())
    def system_notice(self, notice: dict[str, object]) -> None:
        self.script.publish(notice, channel="/system_notice")

    @precondition(lambda self: "malformed_json" not in self.run.skip)
    @rule(
        channel=st.sampled_from(("/records", "/system_notice")),
        text=payloads.MALFORMED,
    )
    def malformed(self, channel: str, text: str) -> None:
        self.script.malformed(channel, text)

    def teardown(self) -> None:
        try:
            if self.script.failed:  # the failing step's differences are the finding
                return
            for actor in range(USERS + 1):
                user = self.user_id(actor)
                room = f"user-{'null' if user is None else user}"
                self.script.publish({"room": room, "records": {"users": [{"id": 0}]}}, settle=False)
            if "notices" not in self.run.skip:
                closing = {"version": "closing", "notice": "", "reload": False}
                self.script.publish(closing, "/system_notice", settle=False)
            self.script.settle(quiet=FINAL_QUIET)
        finally:
            self.script.finish()
