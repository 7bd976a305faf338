"""The report engine's parts (filled in by the report engine's refactor)."""
