"""kci-backend: a results database and HTTP API speaking the KernelCI API v1."""

__version__ = "2026.12.0"
