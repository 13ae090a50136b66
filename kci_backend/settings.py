"""Configuration: `KCI_`-prefixed environment variables, overridable by CLI flags."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("kci-data")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KCI_", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'kci.sqlite3'}"
    storage_dir: Path = DEFAULT_DATA_DIR / "storage"
    # Public base URL of the storage root; empty means the server's own /storage/ route.
    storage_url: str = ""
    # Serve the storage root read-only under /storage/ (upload.md §6); off when a web server does it.
    serve_storage: bool = True
    master_key: str = ""
    log_level: str = "info"
    # Peers whose X-Real-Ip / X-Forwarded-For headers are believed (token.md §7).
    trusted_proxies: list[str] = ["127.0.0.0/8", "::1/128"]
    # "*" or a list of allowed origins (SEC-15).
    cors_origins: list[str] = ["*"]
    max_body_bytes: int = 64 * 1024 * 1024
    # upload.md §1 `max_upload_size` (500 MiB).
    max_upload_bytes: int = 500 * 1024 * 1024
    token_cache_seconds: float = 5.0
    pg_pool_size: int = 10
    # Run the durable-task worker inside `serve`.
    inline_worker: bool = True

    # Email (email-reports.md)
    smtp_host: str = ""  # unset: reports are recorded as ERROR, nothing is sent
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_sender: str = ""
    smtp_timeout: float = 60.0
    smtp_sender_desc: str = ""
    # Footer address of build/boot reports; recipient of duplicate-trigger notices.
    info_email: str = ""
    error_email: str = ""
    # Dashboard links in reports (email-reports.md §2.2).
    base_url: str = "https://kernelci.org"
    # Default /send delay in seconds (send.md §3.4).
    send_delay: int = 3600
    # Sends of one report that fail before anything was delivered (connection
    # refused, 4xx) are tried this many times in all; 1 = never retried.
    report_send_attempts: int = 3

    # Durable tasks (kci_backend/tasks): poll interval, claim lease, retry back-off.
    task_poll_seconds: float = 1.0
    task_lease_seconds: float = 300.0
    task_retry_seconds: float = 30.0
    task_retry_max_seconds: float = 3600.0
    task_max_attempts: int = 5
    # Finished tasks are purged after this many days.
    task_keep_days: float = 7.0

    @field_validator("master_key")
    @classmethod
    def _long_master_key(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("KCI_MASTER_KEY must be at least 32 characters long")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
