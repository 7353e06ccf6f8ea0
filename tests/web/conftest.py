"""Fixtures of the browser tests (the harness itself is `tests/web/harness.py`)."""

from __future__ import annotations

import pytest

from tests.web.harness import require_chromium


@pytest.fixture
def chromium() -> str:
    return require_chromium()
