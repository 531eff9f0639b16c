"""The operator documentation lists every rule the registry runs."""

from __future__ import annotations

from pathlib import Path

from validators.registry import CODES, RULES, catalog_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_every_rule_is_documented_for_operators() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    missing = [code for code in CODES if f"`{code}`" not in text]
    assert not missing
    assert text == catalog_markdown(), "docs/rules.md is stale: python -m validators.registry > docs/rules.md"


def test_codes_are_unique_and_messages_bilingual() -> None:
    assert len(CODES) == len(RULES)
    for rule in RULES:
        assert rule.message_fr and rule.message_en and rule.description
        assert rule.message_fr != rule.message_en
