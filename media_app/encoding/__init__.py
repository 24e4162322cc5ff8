"""The encoder's own package: ffmpeg argument lists and parsers, HLS playlists, running tools,
leases, scratch space. Services call it; it imports neither services nor tasks (the
import-linter contracts in pyproject.toml)."""
