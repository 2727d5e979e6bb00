"""contracts.channels.oracle: what each socket must receive (realtime.md section 3)."""

from __future__ import annotations

from contracts.channels.deliveries import Delivery
from contracts.channels.oracle import Entry, RoomOracle


def _oracle() -> RoomOracle:
    oracle = RoomOracle()
    oracle.boot("t1", Entry(id=1, group_ids=(10, 11)))
    oracle.boot("visitor", Entry(id=None, group_ids=()))
    return oracle


def test_a_known_token_joins_user_and_group_rooms_and_notice() -> None:
    oracle = _oracle()
    assert oracle.connect("a", "t1").rooms == {"notice", "user-1", "group-10", "group-11"}
    assert oracle.connect("v", "visitor").rooms == {"notice", "user-null"}
    assert oracle.connect("u", "unknown").rooms == {"notice"}
    assert oracle.connect("m", None).rooms == {"notice"}


def test_records_reach_the_room_whole_and_numbers_as_javascript() -> None:
    oracle = _oracle()
    oracle.connect("a", "t1")
    oracle.connect("u", "unknown")
    message = {"room": "group-10", "records": {"stances": [{"id": 1, "score": 50.0}]}}
    assert oracle.publish(message) == ["a"]
    assert oracle.expected("a") == [
        Delivery("records", {"room": "group-10", "records": {"stances": [{"id": 1, "score": 50}]}})
    ]
    assert oracle.publish({"room": None, "records": {}}) == []
    assert oracle.publish({"room": "notice", "records": {}}) == ["a", "u"]
    assert oracle.notice({"notice": "hi"}) == ["a", "u"]


def test_a_boot_changes_new_connections_only() -> None:
    oracle = _oracle()
    oracle.connect("old", "t1")
    oracle.boot("t1", Entry(id=1, group_ids=(12,)))
    oracle.connect("new", "t1")
    assert oracle.publish({"room": "group-10", "records": {}}) == ["old"]
    assert oracle.publish({"room": "group-12", "records": {}}) == ["new"]


def test_a_resumed_socket_gets_the_gap_and_keeps_its_old_rooms() -> None:
    oracle = _oracle()
    oracle.connect("a", "t1")
    oracle.publish({"room": "user-1", "records": {"n": 1}})
    oracle.drop("a")
    oracle.publish({"room": "group-10", "records": {"n": 2}})
    oracle.boot("t1", Entry(id=1, group_ids=(12,)))
    assert oracle.reconnect("a", resume=True)
    assert [d.data["records"]["n"] for d in oracle.expected("a")] == [1, 2]
    assert oracle.sockets["a"].rooms == {"notice", "user-1", "group-10", "group-11", "group-12"}


def test_a_fresh_reconnection_or_one_without_an_offset_misses_the_gap() -> None:
    oracle = _oracle()
    oracle.connect("a", "t1")
    oracle.connect("b", "t1")
    oracle.publish({"room": "user-1", "records": {}})
    oracle.drop("a")
    oracle.close("b")
    oracle.publish({"room": "user-1", "records": {}})
    assert not oracle.reconnect("a", resume=False)
    assert not oracle.reconnect("b", resume=True)  # a deliberate disconnect keeps nothing
    assert len(oracle.expected("a")) == len(oracle.expected("b")) == 1
    oracle.connect("c", "t1")
    oracle.drop("c")  # it never received anything: it has no offset to resume from
    oracle.publish({"room": "user-1", "records": {}})
    assert not oracle.reconnect("c", resume=True)
    assert oracle.expected("c") == []


def test_a_barrier_gives_the_sockets_of_its_room_an_offset_to_resume_from() -> None:
    oracle = _oracle()
    oracle.connect("a", "t1")
    oracle.barrier("user-1")
    oracle.drop("a")
    oracle.notice({"n": 1})
    assert oracle.reconnect("a", resume=True)
    assert [d.event for d in oracle.expected("a")] == ["notice"]
