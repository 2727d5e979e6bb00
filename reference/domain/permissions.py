"""Loomio's CanCan rules (permissions.md): placed in the next step."""
