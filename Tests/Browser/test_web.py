"""The web pages as a person uses them, in Debian's headless Chromium through the real nginx. Add each page's flow
here as it lands (create a creator, the wizard, the list, pause/resume, run now, the execution page, the CSV), built
from the helpers in harness.py: sign_in, fill_form by label, submit, wait_for, screenshot, accessibility_violations."""
from __future__ import annotations

import secrets
import subprocess

from selenium.webdriver.common.by import By

from harness import Browser, Login, describe, required_env, wait_for

ADMIN_NAV = ["Schedules", "Runs", "Reports", "Destinations", "Templates", "Data sources", "Users", "Email", "Audit", "Status"]


def test_login_page_renders_and_is_accessible(browser: Browser):
    browser.open("/login")
    assert browser.heading() == "Sign in to Herald"
    assert browser.title() == "Sign in · Herald"
    assert browser.field("E-mail").get_attribute("autocomplete") == "username"
    assert browser.nav_items() == []
    browser.screenshot("login")
    violations = browser.accessibility_violations()
    assert not violations, describe(violations)


def test_admin_signs_in_sees_the_admin_navigation_and_signs_out(browser: Browser, admin: Login):
    browser.sign_in(admin)
    # Signing in lands on the schedule list. Until its page exists that is a 404 page, which has no navigation,
    # so the navigation is checked on /status.
    browser.wait_for_path(lambda path: path == "/schedules", "/schedules after signing in")
    cookie = browser.session_cookie()
    assert cookie is not None and cookie["httpOnly"] and cookie["secure"]

    browser.open("/status")
    assert browser.nav_items() == ADMIN_NAV
    assert browser.driver.find_element(By.CSS_SELECTOR, "nav.site-nav a[aria-current=page]").text == "Status"
    assert "Sign out" in browser.text()
    assert browser.heading() == "Status"
    assert "postgres" in browser.text().lower()

    browser.sign_out()
    browser.wait_for_path(lambda path: path == "/login", "/login after signing out")
    assert "You are signed out." in browser.text()
    assert browser.session_cookie() is None
    browser.open("/status")
    browser.wait_for_path(lambda path: path == "/login", "/login when /status is asked for signed out")


def test_status_page_screenshot_and_accessibility(browser: Browser, admin: Login):
    browser.sign_in(admin)
    browser.open("/status")
    assert browser.heading() == "Status"
    browser.screenshot("status")
    violations = browser.accessibility_violations()
    assert not violations, describe(violations)


def test_wrong_password_is_refused_without_a_session(browser: Browser, admin: Login):
    browser.sign_in(Login(admin.email, admin.password + "-wrong"))
    assert browser.path.split("?")[0] == "/login"
    assert "The e-mail or the password is wrong." in browser.text()
    assert browser.field("E-mail").get_attribute("value") == admin.email
    assert browser.session_cookie() is None
    browser.screenshot("login-error")
    violations = browser.accessibility_violations()
    assert not violations, describe(violations)


def assert_fits_the_window(browser: Browser) -> None:
    width = browser.driver.execute_script("return document.documentElement.scrollWidth")
    viewport = browser.driver.execute_script("return window.innerWidth")
    assert width <= viewport, f"{browser.path} scrolls sideways: {width} > {viewport} px"


def test_login_and_status_pages_fit_a_phone(browser: Browser, admin: Login):
    browser.driver.set_window_size(390, 844)
    browser.open("/login")
    assert_fits_the_window(browser)
    browser.screenshot("login-phone")
    browser.sign_in(admin)
    browser.open("/status")
    assert_fits_the_window(browser)
    browser.screenshot("status-phone")


def test_fetch_uses_the_browsers_session(browser: Browser, admin: Login):
    status, headers, body = browser.fetch("/api/openapi.json")
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert b'"openapi"' in body
    browser.sign_in(admin)
    status, _, body = browser.fetch("/status")
    assert status == 200 and b"<h1>Status</h1>" in body


# A form that comes back with errors puts the keyboard on its error summary, and the summary's link moves to the
# field (static/error-summary.js); the token form, so that no password attempt counts against the shared admin.
def test_an_error_summary_takes_focus_and_its_link_moves_to_the_field(browser: Browser, admin: Login):
    browser.sign_in(admin)
    browser.open("/account")
    browser.submit("Create token")
    def focused_class() -> str:
        return browser.driver.switch_to.active_element.get_attribute("class") or ""
    wait_for(lambda: "error-summary" in focused_class(), what="the error summary to have the focus")
    browser.driver.find_element(By.CSS_SELECTOR, ".error-summary a[href='#name']").click()
    wait_for(lambda: browser.driver.switch_to.active_element.get_attribute("id") == "name", what="the name field to have the focus")


def test_the_email_server_page_fills_a_preset_shows_errors_and_is_accessible(browser: Browser, admin: Login):
    browser.sign_in(admin)
    browser.open("/admin/email")
    assert browser.heading() == "Email server"
    # With script, choosing a provider fills its server at once and the server-side button is hidden.
    browser.fill_form({"Provider": "Outlook / Office 365"})
    assert browser.field("Host").get_attribute("value") == "smtp.office365.com"
    assert browser.field("Port (optional)").get_attribute("value") == "587"
    assert not browser.driver.find_element(By.ID, "apply-preset").is_displayed()
    browser.screenshot("admin-email")
    violations = browser.accessibility_violations()
    assert not violations, describe(violations)
    # No from address: the error summary names it and the field keeps what was typed elsewhere.
    browser.fill_form({"From address": ""})
    browser.submit("Save email server")
    assert browser.title().startswith("Error: ")
    assert "Enter the address emails are sent from" in browser.text()
    assert browser.field("Host").get_attribute("value") == "smtp.office365.com"
    violations = browser.accessibility_violations()
    assert not violations, describe(violations)


def test_the_account_alerts_form_saves_the_rule_shows_errors_and_is_accessible(browser: Browser, admin: Login):
    browser.sign_in(admin)
    browser.open("/account")
    assert "Now: Email and in-app on the first failure, then every 5th; on recovery." in browser.text()
    browser.fill_form({"Every Nth failure (optional)": "0"})
    browser.submit("Save alerts")
    assert browser.title().startswith("Error: ")
    assert browser.driver.find_element(By.ID, "alert_every-error").is_displayed()
    violations = browser.accessibility_violations()
    assert not violations, describe(violations)
    browser.fill_form({"Email": False, "On the first failure of a streak only": True, "Every Nth failure (optional)": ""})
    browser.submit("Save alerts")
    browser.wait_for_path(lambda path: path == "/account", "/account after saving")
    assert "Your alert settings were saved." in browser.text()
    assert "Now: In-app only on the first failure; on recovery." in browser.text()
    browser.driver.execute_script("arguments[0].scrollIntoView()", browser.driver.find_element(By.ID, "alerts-heading"))
    browser.screenshot("account-alerts")
    violations = browser.accessibility_violations()
    assert not violations, describe(violations)


def add_notification(user_email: str, title: str, body: str, seconds_ago: int) -> None:
    """Puts a notification in Herald's own database as the scheduler does when a run fails (psql, bound variables)."""
    database_url = required_env("HERALD_BROWSER_HERALD_DATABASE_URL")
    sql = ("INSERT INTO notifications (user_id, kind, title, body, created_at) "
           "SELECT id, 'execution.failed', :'title', :'body', now() - make_interval(secs => :seconds) "
           "FROM users WHERE email = :'email'")
    subprocess.run(["psql", database_url, "-v", "ON_ERROR_STOP=1", "-q", "-v", f"title={title}", "-v", f"body={body}",
                    "-v", f"seconds={seconds_ago}", "-v", f"email={user_email}"], input=sql, text=True, check=True)


def test_the_bell_counts_unread_notifications_and_the_page_marks_them_read(browser: Browser, admin: Login):
    tag = secrets.token_hex(4)
    browser.sign_in(admin)
    # Start from none unread, whatever an earlier test left.
    browser.open("/notifications")
    if browser.driver.find_elements(By.XPATH, "//button[normalize-space()='Mark all as read']"):
        browser.submit("Mark all as read")
    add_notification(admin.email, f"“Weekly sales {tag}” failed", "relation \"sales\" does not exist <b>not bold</b>", 120)
    add_notification(admin.email, f"“Stock levels {tag}” failed", "could not connect to the data source", 30)

    browser.open("/status")
    bell = browser.driver.find_element(By.CSS_SELECTOR, "a.bell")
    assert bell.get_attribute("href").endswith("/notifications")
    assert browser.driver.find_element(By.CSS_SELECTOR, "a.bell .visually-hidden").get_attribute("textContent") == "Notifications, 2 unread"
    assert browser.driver.find_element(By.CSS_SELECTOR, "a.bell .bell-count").text == "2"
    assert browser.nav_items() == ADMIN_NAV
    bell.click()
    browser.wait_for_path(lambda path: path == "/notifications", "/notifications from the bell")
    assert browser.heading() == "Notifications"
    assert "<b>not bold</b>" in browser.text()
    browser.screenshot("notifications")
    violations = browser.accessibility_violations()
    assert not violations, describe(violations)

    # Mark the newest read: the page comes back with a notice and one unread left.
    old_page = browser.driver.find_element(By.TAG_NAME, "html")
    browser.driver.find_elements(By.CSS_SELECTOR, "button[formaction$='/read']")[0].click()
    wait_for(lambda: browser._replaced(old_page), what="the page after Mark as read")
    assert "The notification is marked as read." in browser.text()
    assert browser.driver.find_element(By.CSS_SELECTOR, "a.bell .bell-count").text == "1"
    browser.submit("Mark all as read")
    assert "All notifications are marked as read." in browser.text()
    assert not browser.driver.find_elements(By.CSS_SELECTOR, "a.bell .bell-count")
    violations = browser.accessibility_violations()
    assert not violations, describe(violations)
