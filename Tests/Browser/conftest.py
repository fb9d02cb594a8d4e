"""Fixtures of the browser tests: the server's address and the admin's login from deploy/browser-test.sh, and one
headless Chromium per test module (cookies cleared before each test, so every test starts signed out)."""
from __future__ import annotations

from pathlib import Path

import pytest

from harness import Browser, Login, new_chromium, required_env


@pytest.fixture(scope="session")
def base_url() -> str:
    return required_env("HERALD_BROWSER_BASE_URL")


@pytest.fixture(scope="session")
def admin() -> Login:
    return Login(required_env("HERALD_BROWSER_ADMIN_EMAIL"), required_env("HERALD_BROWSER_ADMIN_PASSWORD"))


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    return Path(required_env("HERALD_SCREENSHOTS_DIR"))


@pytest.fixture(scope="module")
def driver():
    chromium = new_chromium()
    yield chromium
    chromium.quit()


@pytest.fixture()
def browser(driver, base_url, screenshots_dir) -> Browser:
    driver.delete_all_cookies()
    driver.set_window_size(1280, 900)
    return Browser(driver, base_url, screenshots_dir)
