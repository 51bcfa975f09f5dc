"""routeguard: a static security linter for FastAPI applications."""

# The one place the version is written: pyproject.toml reads it from here (hatch dynamic version), and the
# CLI, the JSON and SARIF reports from here.
__version__ = "0.2.0"
