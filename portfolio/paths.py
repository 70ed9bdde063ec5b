"""Where the packaged migrations and seeds live, and the user's data directory."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_DIR = _PACKAGE_DIR.parent


def _data_dir(name: str) -> Path:
    packaged = _PACKAGE_DIR / "_data" / name
    if packaged.is_dir():
        return packaged
    return _CHECKOUT_DIR / name


def migrations_dir() -> Path:
    return _data_dir("migrations")


def seeds_dir() -> Path:
    return _data_dir("seeds")


def user_data_dir() -> Path:
    """The directory of the default database; PORTFOLIO_HOME overrides it."""
    override = os.environ.get("PORTFOLIO_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path("portfolio", appauthor=False)
