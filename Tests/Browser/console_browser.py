"""Drives the operator console in headless Chromium against a running fleet (issue 14).

Run by Tests/GalleyEndToEndTests/ConsoleBrowserTests.swift, which starts the gateway
(with ADMIN_PASSWORD), an EmojiWorker and a fake DashScope, seeds a user and a task whose
row is hidden, and passes everything in the environment:

  CONSOLE_URL, ADMIN_USERNAME, ADMIN_PASSWORD, SECRET_KEY, SCREENSHOT_DIR,
  TASK_ID, USER_ID, PGHOST PGPORT PGUSER PGDATABASE (psql), REDIS_PORT REDIS_DB (redis-cli)

Steps: log in (refused without and with wrong credentials), watch the overview's dead
letter count rise without reloading after a poison entry, replay it from the dead letters
page once its row exists, watch the task complete on its live page, adjust the user's
points and see the ledger and the audit rows, check that no secret is shown, and render
pages with JavaScript off (and post a form there). Exit status 0 only when all held.
"""
import base64
import json
import os
import subprocess
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

URL = os.environ["CONSOLE_URL"].rstrip("/")
USER = os.environ.get("ADMIN_USERNAME", "admin")
PASSWORD = os.environ["ADMIN_PASSWORD"]
SHOTS = os.environ.get("SCREENSHOT_DIR", "")
TASK_ID = os.environ["TASK_ID"]
USER_ID = os.environ["USER_ID"]


def log(message):
    print(f"console-browser: {message}", flush=True)


def fail(message, driver=None):
    log("FAILED: " + message)
    if driver is not None:
        log("page: " + driver.current_url)
        log(driver.find_element(By.TAG_NAME, "body").text[:3000])
    sys.exit(1)


def browser(javascript=True):
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1000", "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    binary = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if os.path.exists(binary):
        options.binary_location = binary
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.execute_cdp_cmd("Network.enable", {})
    return driver


def authorize(driver, user, password):
    """HTTP Basic on every request of the page (navigation, forms, console.js's fetch)."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": "Basic " + token}})


def shot(driver, name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    height = driver.execute_script("return Math.min(document.body.scrollHeight, 3000)") or 1000
    driver.set_window_size(1400, max(height + 40, 600))
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))
    driver.set_window_size(1400, 1000)


def wait_for(driver, what, condition, timeout=90.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if condition():
                return
        except Exception:  # the live region was being replaced; look again
            pass
        time.sleep(0.25)
    fail(f"timed out waiting for {what}", driver)


def text(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css).text.strip()


def flash(driver):
    found = driver.find_elements(By.CSS_SELECTOR, ".flash")
    return found[0].text if found else ""


def adjust_points(driver, amount, reason, result, failure):
    """Posts the user page's adjust form and checks the flash and the balance it shows.
    The click returns before the answer's page has loaded, so the flash is waited for."""
    driver.get(URL + f"/admin/users?q={USER_ID}")
    balance = int(text(driver, "#balance strong"))
    form = driver.find_element(By.ID, "adjust-form")
    form.find_element(By.NAME, "amount").send_keys(str(amount))
    form.find_element(By.NAME, "reason").send_keys(reason)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, f"the adjustment's result ({result})", lambda: result in flash(driver), 30)
    if int(text(driver, "#balance strong")) != balance + amount:
        fail(failure, driver)


def psql(sql):
    return subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-tAc", sql], check=True, capture_output=True, text=True).stdout.strip()


def redis(*arguments):
    command = ["redis-cli", "-h", "127.0.0.1", "-p", os.environ["REDIS_PORT"], "-n", os.environ["REDIS_DB"], *arguments]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def main():
    driver = browser()
    try:
        # Log in: nothing without credentials, nothing with a wrong password.
        # (Chromium shows a 401 with a Basic challenge as an empty page: no prompt when headless.)
        driver.get(URL + "/admin/")
        if driver.find_elements(By.CSS_SELECTOR, "#dead-total"):
            fail("the console answered without credentials", driver)
        authorize(driver, USER, "wrong-" + PASSWORD)
        driver.get(URL + "/admin/")
        if driver.find_elements(By.CSS_SELECTOR, "#dead-total"):
            fail("the console answered a wrong password", driver)
        authorize(driver, USER, PASSWORD)
        driver.get(URL + "/admin/")
        if text(driver, "h1") != "Overview":
            fail("no overview after logging in", driver)
        log("logged in")
        before = int(text(driver, "#dead-total").replace("\u202f", "") or "0")
        wait_for(driver, "console.js to take over the live region", lambda: "every" in text(driver, "[data-live-stamp]"), 20)

        # A poison entry: its task row is not there (yet), so every delivery fails and
        # the worker dead-letters it. The open overview shows it without a reload.
        detect = json.dumps({"face_bbox": [0, 0, 100, 100], "ext_bbox": [0, 0, 120, 120], "raw": {"mock": True}})
        redis("XADD", "emoji_tasks", "*", "task_id", TASK_ID, "user_id", USER_ID,
              "image_url", f"https://img.test/{TASK_ID}.jpg", "driven_id", "mengwa_kaixin", "detect_result", detect)
        log("poison entry added")
        wait_for(driver, "the dead letter on the live overview",
                 lambda: int(text(driver, "#dead-total").replace("\u202f", "") or "0") > before, 120)
        log("the overview showed the dead letter without a reload")
        shot(driver, "overview")

        driver.get(URL + "/admin/dead?stream=emoji_tasks")
        rows = driver.find_elements(By.CSS_SELECTOR, "#dead tbody tr")
        row = next((r for r in rows if TASK_ID in r.text), None)
        if row is None:
            fail("the dead letter is not listed", driver)
        if "deliver" not in row.text:
            fail("the dead letter shows no reason", driver)
        shot(driver, "dead-letters")

        # The row arrives (as after a replica caught up); replay the entry from the page.
        psql(f"UPDATE emoji_tasks SET id = {TASK_ID} WHERE id = -{TASK_ID}")
        row.find_element(By.CSS_SELECTOR, "button[formaction='/admin/dead/replay']").click()
        wait_for(driver, "the replay's result", lambda: "replayed" in flash(driver), 30)
        log("replayed: " + flash(driver))

        # The task's live page follows it to completion.
        driver.get(URL + f"/admin/tasks/show?id={TASK_ID}")
        wait_for(driver, "the task to complete", lambda: text(driver, "#task-status") == "completed", 120)
        steps = [li.get_attribute("data-step") for li in driver.find_elements(By.CSS_SELECTOR, "#timeline li")]
        for step in ("created", "submitted", "finished"):
            if step not in steps:
                fail(f"the timeline lacks {step}: {steps}", driver)
        time.sleep(6)  # one more refresh after the end: the page must stay one page (no layout inside the live region)
        stamps = driver.find_elements(By.CSS_SELECTOR, "[data-live-stamp]")  # none when it had ended before the page loaded
        if len(driver.find_elements(By.TAG_NAME, "header")) != 1 or (stamps and "final" not in stamps[0].text):
            fail("the finished task's live refresh did not stop cleanly", driver)
        log("task completed; timeline " + ", ".join(steps))
        shot(driver, "task")

        driver.get(URL + f"/admin/tasks?by=user&q={USER_ID}")
        if TASK_ID not in text(driver, "#tasks"):
            fail("the task search does not find the task", driver)
        shot(driver, "tasks")

        # Points: credit 500 with a reason; the ledger and the audit show it.
        adjust_points(driver, 500, "goodwill: video never came", "Credited 500", "the balance did not rise by 500")
        first = driver.find_elements(By.CSS_SELECTOR, "#ledger tbody tr")[0].text
        if "reward" not in first or "500" not in first:
            fail("the ledger's newest row is not the credit: " + first, driver)
        log("points adjusted: " + flash(driver))
        shot(driver, "user")

        driver.get(URL + "/admin/audit")
        audit = text(driver, "#audit")
        if "points.adjust" not in audit or f"user:{USER_ID}" not in audit or "dead.replay" not in audit:
            fail("the audit lacks the adjustment or the replay", driver)
        if "goodwill" not in audit:
            fail("the audit row lacks the reason", driver)
        shot(driver, "audit")

        # A POST without the form's token is refused, even from the console's own page.
        status = driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch('/admin/users/adjust', {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                  body: 'user=""" + USER_ID + """&amount=1000000&reason=x'}).then(r => done(r.status));
        """)
        if status != 403:
            fail(f"a POST without the CSRF token answered {status}", driver)

        # The remaining pages render; no secret appears anywhere.
        for path, name in (("/admin/events", "events"), ("/admin/rewards", "rewards"), ("/admin/config", "config"),
                           ("/admin/dead?stream=webhook_events", "dead-letters-webhook")):
            driver.get(URL + path)
            if driver.find_elements(By.CSS_SELECTOR, ".flash.bad"):
                fail(f"{path} shows an error", driver)
            source = driver.page_source
            for secret in (PASSWORD, os.environ.get("SECRET_KEY", "unset-secret")):
                if secret and secret in source:
                    fail(f"{path} shows a secret", driver)
            shot(driver, name)
        driver.get(URL + "/admin/rewards/dry-run?week=2026-W47")
        if "would credit" not in driver.page_source:
            fail("the dry run shows no counts", driver)
        shot(driver, "reward-dry-run")
    finally:
        driver.quit()

    # JavaScript off: pages render and forms still post.
    plain = browser(javascript=False)
    try:
        authorize(plain, USER, PASSWORD)
        plain.get(URL + "/admin/")
        if "JavaScript is off" not in text(plain, "[data-live-stamp]"):
            fail("JavaScript ran in the JavaScript-off browser", plain)
        if not plain.find_elements(By.CSS_SELECTOR, "#streams tbody tr"):
            fail("the overview has no streams without JavaScript", plain)
        shot(plain, "overview-no-javascript")
        adjust_points(plain, -100, "correction without JavaScript", "Debited 100", "a form did not post without JavaScript")
        log("JavaScript off: pages render and forms post")
    finally:
        plain.quit()
    log("all steps passed")


if __name__ == "__main__":
    main()
