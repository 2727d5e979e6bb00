"""HTTP handlers by area; each module has ROUTES (collected by reference.app)."""
