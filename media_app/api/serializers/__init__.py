"""Serializers, one module per resource (docs/architecture.md)."""
