"""Galley's chaos harness: fault scenarios, the contract's invariants, the fuzz."""
