"""The reference channel server: Loomio's records.js (socket.io rooms over Redis) in Python.

What it does is realtime.md section 3: a socket.io 4 server on PORT subscribed to the Redis
channels `/records` (each message emitted as `records` to the sockets in its `room`) and
`/system_notice` (emitted as `notice` to every socket). A connecting socket joins `notice`;
its handshake's `channel_token` is looked up at `/current_users/<token>` and, when found,
the socket joins `user-<id>` and `group-<gid>` for each of its `group_ids`. Connection state
recovery as socket.io's (30 minutes): a socket that lost its transport and comes back with
its `pid` and last `offset` gets the packets it missed and its rooms back.

It is the embedded default of both sides of the channel contract suite and carries a
catalogue of named faults (category `channel`): `python -m reference.channels --list-faults`.
"""
