"""Partial ports: the routing manifest, its importers (nginx, discovery) and the router.

During the rewrite the Go backend serves a subset of the API; nginx sends each path to Go or
to Rails over one database (loomio/rollout.md). `manifest` says which backend serves each
operation, `nginx` and `discover` write one, `router` is the proxy of a mixed stack.
"""

# The header the router adds to every answer: which backend served it (`go` or `rails`).
SERVED_BY = "x-parity-served-by"
