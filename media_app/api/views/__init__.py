"""API views, one module per resource (docs/architecture.md)."""
