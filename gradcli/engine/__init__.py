"""Mathematics to numbers: a Problem compiled once, the optimizers, and the stepping loop
that turns starts into Results. NumPy only (plus `symbolic/` for derivatives)."""
