"""What the browser tests do the way a person does: open a page, fill a field by its label, press a button, wait for
what should appear (bounded, never a fixed sleep), take a screenshot, run axe-core. deploy/browser-test.sh starts
the servers and passes their address and the admin's login in HERALD_BROWSER_* variables."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TypeVar

import axe_core_python
from axe_selenium_python import Axe
from PIL import Image
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

T = TypeVar("T")
# axe-core 4.4.3 (axe-core-python's copy) rather than the 3.1.1 that axe-selenium-python 2.1.6 bundles
# (deploy/requirements-test.txt says why).
AXE_SCRIPT = str(Path(axe_core_python.__file__).with_name("axe.min.js"))
DEFAULT_TIMEOUT = 15.0


def required_env(name: str) -> str:
    """The servers are part of the test: without them the test fails, it never skips."""
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} is not set: run the browser tests through deploy/browser-test.sh")
    return value


@dataclass(frozen=True)
class Login:
    email: str
    password: str


def wait_for(condition: Callable[[], T], timeout: float = DEFAULT_TIMEOUT, what: str = "the condition") -> T:
    """Polls `condition` until it returns something truthy (and returns that), failing after `timeout` seconds.
    Exceptions a page in the middle of loading raises (element missing or replaced) count as "not yet"."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = condition()
            if result:
                return result
        except (NoSuchElementException, StaleElementReferenceException) as error:
            last_error = error
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}" +
                                 (f" (last error: {last_error.msg})" if last_error else ""))
        time.sleep(0.05)


def new_chromium(width: int = 1280, height: int = 900) -> webdriver.Chrome:
    """Debian's chromium and chromium-driver, headless; --no-sandbox because CI runs as root; the self-signed
    certificate of the test nginx accepted."""
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("HERALD_CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--force-device-scale-factor=1", "--lang=en-GB",
                     "--disable-extensions", "--no-first-run", "--hide-scrollbars"):
        options.add_argument(argument)
    options.accept_insecure_certs = True
    options.page_load_strategy = "normal"
    service = Service(executable_path=os.environ.get("HERALD_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    return driver


class Browser:
    """One person at one browser. Pages are addressed by path; every action waits for its result."""

    def __init__(self, driver: webdriver.Chrome, base_url: str, screenshots: Path):
        self.driver = driver
        self.base_url = base_url.rstrip("/")
        self.screenshots = screenshots

    # Navigation -----------------------------------------------------------------------------------------------

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    @property
    def path(self) -> str:
        url = self.driver.current_url
        return url[len(self.base_url):] if url.startswith(self.base_url) else url

    def wait_for_path(self, predicate: Callable[[str], bool], what: str, timeout: float = DEFAULT_TIMEOUT) -> str:
        return wait_for(lambda: predicate(self.path.split("?")[0]) and self.path, timeout, f"the page {what}")

    def text(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "body").text

    def wait_for_text(self, text: str, timeout: float = DEFAULT_TIMEOUT, reload: bool = False) -> None:
        """Waits until the page shows `text`; with reload=True reloads while waiting (a run's page that refreshes
        itself needs no reload; one that does not, does)."""
        def shown() -> bool:
            if text in self.text():
                return True
            if reload:
                self.driver.refresh()
            return False
        wait_for(shown, timeout, f"{text!r} on {self.path}")

    def fetch(self, path_or_url: str) -> tuple[int, dict[str, str], bytes]:
        """GETs a URL with this browser's cookies, outside the page (a download link, to compare its bytes with
        the delivered file): status, headers (lower-case names), body."""
        import ssl
        import urllib.error
        import urllib.request
        url = path_or_url if "://" in path_or_url else self.base_url + path_or_url
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in self.driver.get_cookies())
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        request = urllib.request.Request(url, headers={"Cookie": cookies})
        try:
            with urllib.request.urlopen(request, context=context, timeout=DEFAULT_TIMEOUT) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()

    def heading(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def title(self) -> str:
        return self.driver.title

    # Forms ----------------------------------------------------------------------------------------------------

    def field(self, label: str) -> WebElement:
        """The input, select or textarea a visible <label> names: by its `for`, or the control inside it."""
        labels = [element for element in self.driver.find_elements(By.TAG_NAME, "label")
                  if element.text.strip() == label]
        if not labels:
            raise NoSuchElementException(f"no label {label!r} on {self.path}")
        target = labels[0].get_attribute("for")
        if target:
            return self.driver.find_element(By.ID, target)
        return labels[0].find_element(By.CSS_SELECTOR, "input, select, textarea")

    def fill_form(self, values: dict[str, str | bool]) -> None:
        """Sets each field named by its label: text is typed after clearing, a bool ticks or unticks a checkbox,
        a select takes the visible text of an option."""
        from selenium.webdriver.support.select import Select
        for label, value in values.items():
            element = self.field(label)
            if element.tag_name == "select":
                Select(element).select_by_visible_text(str(value))
            elif element.get_attribute("type") in ("checkbox", "radio"):
                if element.is_selected() != bool(value):
                    element.click()
            else:
                element.clear()
                element.send_keys(str(value))

    def button(self, text: str) -> WebElement:
        candidates = self.driver.find_elements(By.XPATH, "//button | //input[@type='submit']")
        for element in candidates:
            label = element.text.strip() or (element.get_attribute("value") or "").strip()
            if label == text and element.is_displayed():
                return element
        raise NoSuchElementException(f"no button {text!r} on {self.path}")

    def submit(self, button_text: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Presses the button and waits until the next page has replaced this one."""
        old_page = self.driver.find_element(By.TAG_NAME, "html")
        self.button(button_text).click()
        wait_for(lambda: self._replaced(old_page), timeout, f"the page after pressing {button_text!r}")
        wait_for(lambda: self.driver.execute_script("return document.readyState") == "complete", timeout,
                 "the page to finish loading")

    @staticmethod
    def _replaced(element: WebElement) -> bool:
        try:
            element.tag_name
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            # Chromium sometimes reports an element of a document it has just replaced this way rather than as
            # stale (a race of a fast navigation): that too means the next page is there.
            if "does not belong to the document" in (error.msg or ""):
                return True
            raise

    def link(self, text: str) -> WebElement:
        return self.driver.find_element(By.LINK_TEXT, text)

    # Who is signed in -----------------------------------------------------------------------------------------

    def sign_in(self, login: Login) -> None:
        self.open("/login")
        self.fill_form({"E-mail": login.email, "Password": login.password})
        self.submit("Sign in")

    def sign_out(self) -> None:
        self.submit("Sign out")

    def nav_items(self) -> list[str]:
        return [element.text for element in self.driver.find_elements(By.CSS_SELECTOR, "nav.site-nav a")]

    def session_cookie(self) -> dict | None:
        return self.driver.get_cookie("__Host-herald_session")

    # Evidence -------------------------------------------------------------------------------------------------

    def screenshot(self, name: str, min_colours: int = 8) -> Path:
        """Saves the viewport as screenshots/NAME.png and fails if it is blank (nearly one colour), which is what
        a page that did not render, or rendered without its stylesheet, tends to look like."""
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{name}.png"
        if not self.driver.save_screenshot(str(path)):
            raise AssertionError(f"could not save {path}")
        assert_not_blank(path, min_colours)
        return path

    def accessibility_violations(self, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
        """axe-core over the current page, through axe-selenium-python; the violations of those impacts."""
        axe = Axe(self.driver, script_url=AXE_SCRIPT)
        axe.inject()
        results = axe.run()
        return [violation for violation in results["violations"] if violation.get("impact") in impacts]


def assert_not_blank(path: Path, min_colours: int) -> None:
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        assert width > 100 and height > 100, f"{path.name} is {width}×{height}"
        colours = rgb.getcolors(maxcolors=1 << 20)
        count = len(colours) if colours is not None else 1 << 20
        assert count >= min_colours, f"{path.name} looks blank: {count} distinct colours"
        # The most common colour (the background) must not cover nearly everything.
        if colours:
            dominant = max(colours)[0]
            assert dominant < 0.995 * width * height, f"{path.name} is {dominant / (width * height):.1%} one colour"


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:5]]
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {'; '.join(targets)}")
    return "\n".join(lines)
