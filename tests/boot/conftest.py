"""Fixtures of the boot tests: a lab (and its token) per test."""

from __future__ import annotations

import pytest

from boot_helpers import Lab, make_lab


@pytest.fixture
def lab(backend, unique) -> Lab:
    return make_lab(backend, f"lab-{unique}")


@pytest.fixture
def other_lab(backend, unique) -> Lab:
    return make_lab(backend, f"lab-other-{unique}")
