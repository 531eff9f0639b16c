"""Configuration: one TOML file, validated once at start-up with pydantic, then passed in explicitly.

Every key has a default that runs the embedded demo, so `ordofax demo` works with no file at all. Paths in
the file are relative to the file itself. A bad file raises `ConfigError` naming the file and the key.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from gateway.errors import ConfigError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GatewaySection(_Section):
    fax_domain: str = "telecopie.example.org"
    secure_domains: list[str] = Field(default_factory=lambda: ["ssss.gouv.qc.ca"])
    archives: list[str] = Field(default_factory=lambda: ["archives.hmr@ssss.gouv.qc.ca"])
    directory: Path | None = None
    registered_senders: Path | None = None
    trusted_authserv_ids: list[str] = Field(default_factory=list)
    establishment: str = "CIUSSS de démonstration"
    installation: str = "Hôpital de démonstration"

    @field_validator("fax_domain")
    @classmethod
    def _lower_domain(cls, v: str) -> str:
        v = v.strip().lower()
        if not v or "@" in v:
            raise ValueError("must be a bare domain such as telecopie.example.org")
        return v

    @field_validator("secure_domains", "trusted_authserv_ids")
    @classmethod
    def _lower_list(cls, v: list[str]) -> list[str]:
        return [d.strip().lower() for d in v if d.strip()]

    @field_validator("archives")
    @classmethod
    def _archives(cls, v: list[str]) -> list[str]:
        out = [a.strip().lower() for a in v if a.strip()]
        for a in out:
            if "@" not in a:
                raise ValueError(f"{a!r} is not an e-mail address")
        return out


class LimitsSection(_Section):
    """Bounds on what one message may cost; anything over them is a rejection with a reason."""

    max_message_bytes: int = Field(default=30 * 1024 * 1024, gt=0)
    max_parts: int = Field(default=100, gt=0)
    max_depth: int = Field(default=10, gt=0)
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_attachments: int = Field(default=10, gt=0)
    max_pdf_pages: int = Field(default=20, gt=0)
    max_body_chars: int = Field(default=200_000, gt=0)
    max_tnef_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    parse_seconds: float = Field(default=5.0, gt=0)


class RenderSection(_Section):
    font_regular: Path | None = None  # a TTF carrying all of French; default DejaVu Sans in gateway/render/fonts
    font_bold: Path | None = None
    page_size: Literal["letter"] = "letter"


class ListenerSection(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=2525, ge=0, le=65535)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    require_starttls: bool = False
    max_message_bytes: int = Field(default=35 * 1024 * 1024, gt=0)


class ProviderSection(_Section):
    """The cloud fax provider, reached by e-mail-to-fax over SMTP."""

    host: str = "127.0.0.1"
    port: int = Field(default=2526, ge=0, le=65535)
    tls: Literal["none", "starttls", "implicit"] = "none"
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = Field(default=30.0, gt=0)
    max_connections: int = Field(default=4, ge=1, le=64)  # SMTP connections kept open, one fax on each at a time
    idle_seconds: float = Field(default=30.0, ge=0)  # one unused this long is closed (QUIT); 0: QUIT after each fax
    address_template: str = "{digits}@fax.provider.example"
    from_address: str = "ordofax@ssss.gouv.qc.ca"
    cover_page: bool = False
    notice_format: Literal["interfax"] = "interfax"
    notice_address: str = "ordofax-notices@ssss.gouv.qc.ca"
    validate_certs: bool = True


class ExchangeSection(_Section):
    """Exchange Online through Microsoft Graph (default) or on-premises Exchange through EWS."""

    backend: Literal["graph", "ews"] = "graph"
    mailbox: str = "ordofax@ssss.gouv.qc.ca"
    # Graph (client-credentials flow)
    tenant_id: str = "demo-tenant"
    client_id: str = "demo-client"
    client_secret: str = "demo-secret"
    authority_url: str = "https://login.microsoftonline.com"
    graph_url: str = "https://graph.microsoft.com/v1.0"
    # EWS (on-premises)
    ews_url: str = "https://mail.example.org/EWS/Exchange.asmx"
    ews_username: str = "ordofax"
    ews_password: str = "demo-password"
    ews_version: str = "Exchange2016"
    ews_auth_type: Literal["NTLM", "basic", "digest"] = "NTLM"
    validate_certs: bool = True
    ca_file: Path | None = None  # CA bundle (PEM) trusted instead of the system store for Graph, login, EWS
    timeout_seconds: float = Field(default=30.0, gt=0)
    # Office 365 Message Encryption trigger matched by the tenant's mail-flow rule
    encryption_trigger: Literal["header", "subject"] = "header"
    encryption_header: str = "X-Ordofax-Encrypt"
    encryption_subject_keyword: str = "[chiffré]"

    @field_validator("encryption_header")
    @classmethod
    def _x_header(cls, v: str) -> str:
        if not (v.isascii() and v.lower().startswith("x-") and v[2:].replace("-", "").isalnum()):
            raise ValueError("must be a custom header name starting with 'X-' (Graph sets no other)")
        return v


class StorageSection(_Section):
    engine: Literal["sqlite", "postgresql"] = "sqlite"
    path: Path = Path("var/ordofax.sqlite3")
    dsn: str = ""
    connections: int = Field(default=4, ge=1, le=64)  # PostgreSQL: connections kept open by one instance
    data_dir: Path = Path("var/data")
    lease_seconds: float = Field(default=300, gt=0)  # a worker's hold on a job; longer than any relay call
    audit_key_file: Path | None = None  # optional HMAC key for the audit chain (see gateway.audit)


class RetrySection(_Section):
    """Retry policy; defaults follow HylaFAX's spirit (a few tries over hours, then give up)."""

    max_tries: int = Field(default=6, gt=0)
    kill_time_seconds: float = Field(default=3 * 3600, gt=0)
    backoff_busy_seconds: float = Field(default=300, ge=0)
    backoff_no_answer_seconds: float = Field(default=600, ge=0)
    backoff_unreachable_seconds: float = Field(default=60, ge=0)
    backoff_throttled_seconds: float = Field(default=30, ge=0)
    confirmation_deadline_seconds: float = Field(default=3600, gt=0)


class RetentionSection(_Section):
    rejected_purge_after_seconds: float = Field(default=3600, ge=0)
    pending_alert_after_seconds: float = Field(default=1800, gt=0)


class OperationsSection(_Section):
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=0, le=65535)  # 0: a free port; metrics off with metrics = false
    metrics: bool = True
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_file: Path | None = None  # JSON lines; default standard error
    workers: int = Field(default=16, gt=0, le=64)  # concurrent jobs in one `serve` process (asyncio tasks)
    instance_id: str = ""  # unique per gateway instance sharing a store; default the host name
    sweep_seconds: float = Field(default=1.0, gt=0)  # reconcile, purge, alerts and gauges every so often
    mailbox_poll_seconds: float = Field(default=0, ge=0)  # > 0: also read the shared mailbox (no connector)
    mailbox_folder: str = "inbox"  # the folder read (well-known name or display name)
    mailbox_done_folder: str = "archive"  # where read messages are filed


class Config(_Section):
    gateway: GatewaySection = Field(default_factory=GatewaySection)
    limits: LimitsSection = Field(default_factory=LimitsSection)
    render: RenderSection = Field(default_factory=RenderSection)
    listener: ListenerSection = Field(default_factory=ListenerSection)
    provider: ProviderSection = Field(default_factory=ProviderSection)
    exchange: ExchangeSection = Field(default_factory=ExchangeSection)
    storage: StorageSection = Field(default_factory=StorageSection)
    retry: RetrySection = Field(default_factory=RetrySection)
    retention: RetentionSection = Field(default_factory=RetentionSection)
    operations: OperationsSection = Field(default_factory=OperationsSection)
    source: Path | None = None  # the file this was loaded from, for messages


_PATH_KEYS = {
    "gateway": ("directory", "registered_senders"),
    "render": ("font_regular", "font_bold"),
    "listener": ("tls_cert", "tls_key"),
    "exchange": ("ca_file",),
    "storage": ("path", "data_dir", "audit_key_file"),
    "operations": ("log_file",),
}


def _resolve_paths(data: dict[str, object], base: Path) -> None:
    for section, keys in _PATH_KEYS.items():
        values = data.get(section)
        if not isinstance(values, dict):
            continue
        for key in keys:
            value = values.get(key)
            if isinstance(value, str) and value:
                p = Path(value)
                values[key] = p if p.is_absolute() else (base / p)


def _describe(exc: ValidationError, source: Path) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        lines.append(f"{source}: key '{key}': {err['msg']}")
    return "\n".join(lines)


def parse_config(data: dict[str, object], source: Path) -> Config:
    """Validate already-parsed TOML data; relative paths are taken from `source`'s folder."""
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    _resolve_paths(data, source.parent.resolve())
    try:
        config = Config.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
    for key in ("directory", "registered_senders"):
        path = getattr(config.gateway, key)
        if path is not None and not path.is_file():
            raise ConfigError(f"{source}: key 'gateway.{key}': file not found: {path}")
    return config


def load_config(path: Path) -> Config:
    """Load and validate a TOML configuration file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.__class__.__name__}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_config(data, path)


def demo_dir() -> Path:
    """The bundled demo folder: config, directory, registered senders and example messages."""
    return Path(str(resources.files("gateway") / "demo"))


def default_config() -> Config:
    """The embedded defaults: the bundled demo configuration."""
    return load_config(demo_dir() / "config.toml")
