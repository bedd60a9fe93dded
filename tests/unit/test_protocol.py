"""The TypeScript declarations are generated from the Python protocol and kept current."""

from pathlib import Path

from cocowidget.protocol.typescript import GENERATED_PATH, generate

ROOT = Path(__file__).resolve().parents[2]


def test_generated_typescript_is_current() -> None:
    committed = (ROOT / GENERATED_PATH).read_text(encoding="utf-8")
    assert committed == generate(), (
        f"{GENERATED_PATH} is stale: run `python -m cocowidget.protocol` and commit it"
    )
