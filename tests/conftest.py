"""Shared fixtures: the public corpus, the bundled demo configuration, and a check context for each."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import Config, default_config, load_config
from gateway.pipeline import CheckContext

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not (CORPUS / "expected.json").is_file():
        pytest.skip(f"the shared corpus is not beside the project ({CORPUS})")
    return CORPUS


@pytest.fixture(scope="session")
def corpus_config(corpus_dir: Path) -> Config:
    return load_config(corpus_dir / "config.toml")


@pytest.fixture(scope="session")
def corpus_ctx(corpus_config: Config) -> CheckContext:
    return CheckContext.from_config(corpus_config)


@pytest.fixture(scope="session")
def demo_config() -> Config:
    return default_config()


@pytest.fixture(scope="session")
def demo_ctx(demo_config: Config) -> CheckContext:
    return CheckContext.from_config(demo_config)
