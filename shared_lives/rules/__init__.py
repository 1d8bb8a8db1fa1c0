"""The domain's decisions, one function each (see docs/architecture.md)."""
