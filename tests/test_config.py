"""Configuration: defaults run the demo; a bad file is a clear error naming the file and key, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.config import default_config, load_config
from gateway.errors import ConfigError


def test_embedded_defaults_load_and_resolve_paths() -> None:
    config = default_config()
    assert config.gateway.fax_domain == "telecopie.example.org"
    assert config.gateway.directory is not None and config.gateway.directory.is_file()
    assert config.storage.engine == "sqlite"


def test_relative_paths_are_taken_from_the_file(tmp_path: Path) -> None:
    (tmp_path / "bottin.csv").write_text("fax,name,kind,phone\n+15145550150,P,pharmacy,+15145550151\n")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[gateway]\nfax_domain = "fax.example"\ndirectory = "bottin.csv"\n')
    assert load_config(cfg).gateway.directory == tmp_path / "bottin.csv"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[gateway]\nfax_domain = 12\n", "gateway.fax_domain"),
        ("[gateway]\nsecure_domains = 'x'\n", "gateway.secure_domains"),
        ("[gateway]\nunknown_key = 1\n", "gateway.unknown_key"),
        ("[limits]\nmax_parts = -1\n", "limits.max_parts"),
        ("[gateway]\ndirectory = 'missing.csv'\n", "gateway.directory"),
        ("[gateway]\narchives = ['not-an-address']\n", "gateway.archives"),
    ],
)
def test_bad_values_name_the_key_and_file(tmp_path: Path, text: str, key: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert key in str(err.value) and str(cfg) in str(err.value)


def test_invalid_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[gateway\nfax_domain=")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(broken)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.toml")
    assert isinstance(ConfigError("x"), ValueError)


def test_cli_reports_configuration_errors_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[gateway]\nfax_domain = 12\n")
    eml = tmp_path / "m.eml"
    eml.write_bytes(b"From: a@b.c\r\n\r\nhi\r\n")
    assert main(["check", "--config", str(cfg), str(eml)]) == 2
    err = capsys.readouterr().err
    assert "gateway.fax_domain" in err and "Traceback" not in err


def test_cli_usage_error_is_exit_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "gateway", "check"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
