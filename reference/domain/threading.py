"""Discussion threading (threading.md): placed in the next step."""
