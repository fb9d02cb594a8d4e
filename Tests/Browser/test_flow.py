"""Issue 9's acceptance flow, as people do it in the browser: the admin adds a creator and a data source; the creator
adds a report and a folder destination, makes a schedule through the five wizard steps (going back once), finds it in
the list, pauses and resumes it, runs it now, watches the run's page reach `succeeded` and downloads the CSV, whose
bytes must equal the file delivered into the folder. Screenshots and axe-core checks of the list, a wizard step and
the schedule page on the way."""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from harness import Browser, Login, describe, required_env, wait_for

# A run through the real scheduler and worker on a loaded machine: generous, still bounded.
RUN_TIMEOUT = 90.0


def assert_accessible(browser: Browser) -> None:
    violations = browser.accessibility_violations()
    assert not violations, f"{browser.path}:\n" + describe(violations)


def checked(browser: Browser, label: str) -> bool:
    return browser.field(label).is_selected()


def test_admin_adds_a_creator_who_schedules_runs_and_downloads_a_report(browser: Browser, admin: Login):
    database_url = required_env("HERALD_BROWSER_DATABASE_URL")
    deliveries = Path(required_env("HERALD_BROWSER_DELIVERIES"))
    tag = secrets.token_hex(4)
    creator = Login(f"creator-{tag}@browser.test", "correct-horse-" + secrets.token_hex(8))
    source_name, report_name = f"Test database {tag}", f"Numbers {tag}"
    destination_name, folder = f"Browser folder {tag}", f"browser/{tag}"
    schedule_name = f"Daily numbers {tag}"

    # The admin: a creator with a chosen password, and a data source on the test server's reporting database.
    browser.sign_in(admin)
    browser.open("/admin/users/new")
    browser.fill_form({"E-mail": creator.email, "Name (optional)": f"Creator {tag}", "Creator": True,
                       "Password (optional)": creator.password})
    browser.submit("Add user")
    browser.wait_for_path(lambda path: path.startswith("/admin/users/") and path != "/admin/users/new",
                          "of the new user")
    assert creator.email in browser.text()

    browser.open("/datasources/new")
    browser.fill_form({"Name": source_name, "Connection URL": database_url})
    browser.submit("Save data source")
    browser.wait_for_path(lambda path: path == "/datasources", "/datasources after saving")
    assert source_name in browser.text()
    assert database_url not in browser.driver.page_source
    browser.sign_out()
    browser.wait_for_path(lambda path: path == "/login", "/login after signing out")

    # The creator: a report with a parameter, and a folder destination of their own (the wizard offers only those).
    browser.sign_in(creator)
    browser.wait_for_path(lambda path: path == "/schedules", "/schedules after the creator signs in")
    browser.open("/reports/new")
    browser.fill_form({"Name": report_name, "Data source": source_name,
                       "SQL": "SELECT n, 'row ' || n AS label, :region AS region FROM generate_series(1, 3) AS n"})
    for cell, value in {"name": "region", "label": "Region", "choices": "EU, US", "default": "EU"}.items():
        browser.driver.find_element(By.ID, f"param-0-{cell}").send_keys(value)
    Select(browser.driver.find_element(By.ID, "param-0-type")).select_by_visible_text("choice")
    browser.submit("Save report")
    browser.wait_for_path(lambda path: path == "/reports", "/reports after saving")
    assert report_name in browser.text()

    browser.open("/destinations/new")
    assert browser.heading() == "New Folder destination"     # the kinds are tabs; a folder is the first
    browser.fill_form({"Name": destination_name, "Sub-folder": folder})
    browser.submit("Save destination")
    browser.wait_for_path(lambda path: path == "/destinations", "/destinations after saving")
    assert destination_name in browser.text()

    # Step 1 of 5: the report.
    browser.open("/schedules/new")
    assert browser.heading() == "Choose the report"
    browser.fill_form({report_name: True, "Name of the schedule": schedule_name})
    browser.submit("Continue")

    # Step 2: the frequency. Without JavaScript every kind's fields are on the page at once; with it only the chosen
    # kind's show, another kind's appear when it is chosen, and hidden fields keep what was typed. The kind is chosen
    # by its label.
    browser.wait_for_path(lambda path: path.endswith("/frequency"), "of step 2")
    assert "Step 2 of 5" in browser.text()
    cron = browser.driver.find_element(By.ID, "cron")
    once = browser.driver.find_element(By.ID, "at")
    time_of_day = browser.driver.find_element(By.ID, "time")
    wait_for(lambda: time_of_day.is_displayed() and not cron.is_displayed() and not once.is_displayed(),
             what="only the default kind's fields (daily) to show")
    browser.fill_form({"A cron expression": True})
    wait_for(lambda: cron.is_displayed() and not time_of_day.is_displayed(), what="the cron field to appear when its kind is chosen")
    browser.fill_form({"Cron expression": "5 4 * * 1"})
    browser.fill_form({"Once": True})
    wait_for(lambda: once.is_displayed() and not cron.is_displayed(), what="the date field to replace the cron field")
    browser.fill_form({"A cron expression": True})
    wait_for(lambda: cron.is_displayed(), what="the cron field to come back")
    assert cron.get_attribute("value") == "5 4 * * 1", "the hidden cron field lost its value"
    browser.fill_form({"Every day (or every weekday)": True, "Daily, weekly and monthly: time of day": "06:15",
                       "Time zone": "Europe/Berlin"})
    browser.submit("Preview")
    assert browser.heading() == "How often it runs"
    assert "06:15" in browser.text(), "the preview shows no run at 06:15"
    browser.screenshot("wizard-frequency")
    assert_accessible(browser)
    browser.submit("Continue")

    # Step 3: the report's parameter, a choice defaulting to EU; back once, and step 2 kept what was chosen.
    browser.wait_for_path(lambda path: path.endswith("/parameters"), "of step 3")
    assert "Default (EU)" in browser.driver.page_source
    old_page = browser.driver.find_element(By.TAG_NAME, "html")
    browser.link("Back").click()
    wait_for(lambda: browser._replaced(old_page), what="the page after following Back")
    browser.wait_for_path(lambda path: path.endswith("/frequency"), "of step 2 after Back")
    assert checked(browser, "Every day (or every weekday)")
    assert browser.field("Daily, weekly and monthly: time of day").get_attribute("value") == "06:15"
    assert browser.field("Time zone").get_attribute("value") == "Europe/Berlin"
    browser.submit("Continue")
    browser.wait_for_path(lambda path: path.endswith("/parameters"), "of step 3 again")
    browser.fill_form({"Region": "US"})
    browser.screenshot("wizard-parameters")
    assert_accessible(browser)
    browser.submit("Continue")

    # Step 4: where it goes, as CSV and XLSX.
    browser.wait_for_path(lambda path: path.endswith("/distribution"), "of step 4")
    browser.fill_form({f"{destination_name} (folder)": True, "CSV": True, "XLSX": True})
    # "Alerts and upkeep": closed until opened; a bad number comes back beside its field, the rest kept.
    browser.driver.find_element(By.CSS_SELECTOR, "details.alerts-upkeep summary").click()
    browser.fill_form({"Email the owner of alerts": "Off", "Pause itself after this many failed runs in a row (optional)": "500"})
    browser.submit("Continue")
    assert browser.title().startswith("Error: ")
    assert browser.driver.find_element(By.ID, "pause_after_failures-error").is_displayed()
    browser.driver.execute_script("arguments[0].scrollIntoView()", browser.driver.find_element(By.CSS_SELECTOR, "details.alerts-upkeep"))
    browser.screenshot("wizard-alerts-error")
    assert_accessible(browser)
    browser.fill_form({"Pause itself after this many failed runs in a row (optional)": "3"})
    browser.submit("Continue")

    # Step 5: review and activate.
    browser.wait_for_path(lambda path: path.endswith("/review"), "of step 5")
    review = browser.text()
    assert report_name in review and destination_name in review and "Region: US" in review
    assert "In-app only on the first failure, then every 5th; on recovery (set for this schedule)" in review
    assert "after 3 failed runs in a row" in review
    browser.submit("Activate schedule")
    schedule_path = browser.wait_for_path(lambda path: path.startswith("/schedules/") and "/new" not in path,
                                          "of the new schedule").split("?")[0]
    assert browser.heading().startswith(schedule_name)

    # The list shows it.
    browser.open("/schedules")
    assert browser.heading() == "Schedules"
    row = browser.driver.find_element(By.XPATH, f"//tr[.//a[normalize-space()='{schedule_name}']]")
    assert row.is_displayed()
    browser.screenshot("schedules")
    assert_accessible(browser)

    # Pause (with a note) and resume on the schedule's page.
    browser.link(schedule_name).click()
    browser.wait_for_path(lambda path: path == schedule_path, "of the schedule from the list")
    browser.fill_form({"Why pause it? (optional, shown on this page)": "Checking the numbers"})
    browser.submit("Pause")
    assert "Checking the numbers" in browser.text()
    assert browser.heading().endswith("paused")
    browser.submit("Resume")
    assert not browser.heading().endswith("paused")
    assert "Checking the numbers" not in browser.text()

    # Run it now; the history links to the run's page, which reaches `succeeded`.
    browser.submit("Run now")
    assert browser.path.split("?")[0] == schedule_path
    run_link = wait_for(lambda: browser.driver.find_elements(By.CSS_SELECTOR, ".history-table tbody tr td a"),
                        what="a run in the schedule's history")[0]
    run_link.click()
    browser.wait_for_path(lambda path: path.startswith("/executions/"), "of the run")
    wait_for(lambda: browser.driver.find_element(By.ID, "execution-status").text in ("succeeded", "failed", "dead"),
             RUN_TIMEOUT, "the run to end (its page updates itself)")
    status = browser.driver.find_element(By.ID, "execution-status").text
    assert status == "succeeded", f"the run ended {status}: {browser.text()}"
    assert_accessible(browser)

    # The CSV behind its download link is the file delivered into the folder, beside the XLSX; the run shows the
    # value it was given.
    assert "region = US" in browser.text()
    links = wait_for(lambda: browser.driver.find_elements(By.CSS_SELECTOR, ".execution-artifacts a[download]"),
                     what="the download links")
    link = next(link for link in links if link.text.strip().endswith(".csv"))
    code, headers, body = browser.fetch(link.get_attribute("href"))
    assert code == 200, f"the download answered {code}"
    assert "csv" in headers.get("content-type", ""), headers.get("content-type")
    delivered = {path.suffix: path for path in (deliveries / folder).rglob("*") if path.is_file()}
    assert sorted(delivered) == [".csv", ".xlsx"], f"delivered into {folder}: {delivered}"
    assert body == delivered[".csv"].read_bytes()
    assert b"row 3,US" in body

    # The schedule's page after the run: its screenshot and axe.
    browser.open(schedule_path)
    wait_for(lambda: "succeeded" in browser.driver.find_element(By.CSS_SELECTOR, ".history-table tbody").text.lower(),
             what="the run succeeded in the schedule's history")
    # Tall enough to show the history with the run and its download link, not only the buttons.
    browser.driver.set_window_size(1280, 2200)
    browser.screenshot("schedule")
    assert_accessible(browser)


# A path that matches no route still reads the session, so a signed-in user's 404 page has the navigation.
def test_a_signed_in_users_404_page_has_the_navigation(browser: Browser, admin: Login):
    browser.sign_in(admin)
    status, _, _ = browser.fetch("/no-such-page")
    assert status == 404
    browser.open("/no-such-page")
    assert browser.nav_items(), "the 404 page of a signed-in user shows no navigation"
    assert_accessible(browser)
