#!/usr/bin/python3
"""An operator's walk through the back-office console, in a real headless Chromium (Debian's chromium and
chromium-driver packages, driven with python3-selenium).

Run by Tests/PaymentFlowTests/ConsoleFlowTests.swift, which sets up the money first and checks the ledger after.
The one argument is a JSON object:

  url          the API's base URL (the console is under /console)
  login        an operator's login, password its password
  account      the user whose withdrawal is reviewed
  withdrawal   the order id of a withdrawal waiting for review
  letter       the row id of a pending dead letter (letter-<topic>-<partition>-<offset>)
  day, item    a reconciliation day and the id of a difference of that day
  correction   {"debit": "...", "credit": "...", "amountFen": "..."} for that difference, which the operator proposes
  approver     a second operator's login (same password), who approves the correction: one operator alone cannot
  screenshots  a directory for a PNG of each main page

Every step checks what the page shows. Exit status 0 when every step passed; 1 (and the failed step with the
page's text) otherwise.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def main() -> int:
    spec = json.loads(sys.argv[1])
    base = spec["url"].rstrip("/")
    shots = spec["screenshots"]
    os.makedirs(shots, exist_ok=True)

    options = webdriver.ChromeOptions()
    options.binary_location = spec.get("chromium", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1440,1000",
                 "--force-device-scale-factor=1", "--lang=en-US"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=spec.get("chromedriver", "/usr/bin/chromedriver")), options=options)
    driver.set_page_load_timeout(90)
    step = "start"

    def check(condition: bool, what: str) -> None:
        if not condition:
            raise AssertionError(what)

    def shot(name: str) -> None:
        driver.save_screenshot(os.path.join(shots, name + ".png"))

    def text(element_id: str) -> str:
        return driver.find_element(By.ID, element_id).text

    def submit(button_id: str) -> None:
        # Every button here posts a form, and a click returns before the browser has left the page: wait until
        # the old page is gone and the new one has loaded, or the next check reads one or the other by chance.
        # While the browser is between the two pages, asking about either can fail with a bare
        # WebDriverException (the old page's context is being torn down): such a check is tried again.
        old_page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.ID, button_id).click()
        wait = WebDriverWait(driver, 60, ignored_exceptions=(WebDriverException,))
        wait.until(expected_conditions.staleness_of(old_page))
        wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    try:
        step = "a page without a session redirects to the sign-in page"
        driver.get(base + "/console/withdrawals")
        check(driver.current_url.endswith("/console/login"), "landed on " + driver.current_url)

        step = "a wrong password is refused"
        driver.find_element(By.ID, "login").send_keys(spec["login"])
        driver.find_element(By.ID, "password").send_keys("not the password")
        submit("sign-in")
        check("wrong" in text("error"), "no refusal shown")

        def sign_in(login: str) -> None:
            driver.find_element(By.ID, "login").clear()
            driver.find_element(By.ID, "login").send_keys(login)
            driver.find_element(By.ID, "password").send_keys(spec["password"])
            submit("sign-in")
            check(driver.current_url.endswith("/console/withdrawals"), "landed on " + driver.current_url)
            check(text("operator") == login, "the operator is not named")

        step = "sign in"
        shot("sign-in")
        sign_in(spec["login"])

        step = "the withdrawal waits for review"
        order = spec["withdrawal"]
        row = driver.find_element(By.ID, "withdrawal-" + order)
        check("requested" in row.text, "row: " + row.text)
        shot("withdrawals")

        step = "approve the withdrawal"
        submit("approve-" + order)
        check(order in text("notice") and "Approved" in text("notice"), "notice: " + text("notice"))

        step = "see the order settle (paid out)"
        deadline = time.time() + 90
        settled = False
        while time.time() < deadline and not settled:
            driver.get(base + "/console/withdrawals?status=paidOut")
            settled = len(driver.find_elements(By.ID, "withdrawal-" + order)) == 1
            if not settled:
                time.sleep(1)
        check(settled, "the withdrawal never showed as paid out")
        check("paidOut" in driver.find_element(By.ID, "withdrawal-" + order).text, "row not paidOut")
        shot("withdrawals-paid-out")

        step = "replay the dead letter"
        driver.get(base + "/console/dead-letters")
        letter = spec["letter"]
        row = driver.find_element(By.ID, letter)
        check("pending" in row.text, "row: " + row.text)
        shot("dead-letters")
        driver.find_element(By.ID, "replay-reason-" + letter).send_keys("sender funded again")
        submit("replay-" + letter)
        check("Replayed dead letter" in text("notice"), "notice: " + text("notice"))
        check(len(driver.find_elements(By.ID, letter)) == 0, "the replayed letter is still listed as pending")
        driver.get(base + "/console/dead-letters?all=1")
        check("replayed by " + spec["login"] in driver.find_element(By.ID, letter).text, "the replay is not shown with its operator")

        step = "propose a correcting entry for the difference"
        item = str(spec["item"])
        driver.get(base + "/console/reconciliation?day=" + spec["day"])
        row = driver.find_element(By.ID, "item-" + item)
        check("channelOnly" in row.text, "row: " + row.text)
        shot("reconciliation")
        driver.find_element(By.ID, "resolve-reason-" + item).send_keys("paid at the channel, never booked")
        correction = spec["correction"]
        driver.find_element(By.ID, "resolve-debit-" + item).send_keys(correction["debit"])
        driver.find_element(By.ID, "resolve-credit-" + item).send_keys(correction["credit"])
        driver.find_element(By.ID, "resolve-amount-" + item).send_keys(correction["amountFen"])
        submit("resolve-" + item)
        check("Proposed a correction of difference item " + item in text("notice"), "notice: " + text("notice"))
        row = driver.find_element(By.ID, "item-" + item)
        check("proposed by " + spec["login"] in row.text and "waiting for another operator" in row.text, "row: " + row.text)
        proposal = row.find_element(By.CSS_SELECTOR, "span.proposal").get_attribute("id").removeprefix("proposal-")
        check(len(driver.find_elements(By.ID, "approve-proposal-" + proposal)) == 0, "the proposer is offered an approve button")
        check("ledgerCorrection" not in row.text, "resolved by its proposer alone: " + row.text)
        shot("reconciliation-proposed")

        step = "a second operator approves the correction"
        submit("sign-out")
        sign_in(spec["approver"])
        driver.get(base + "/console/reconciliation?day=" + spec["day"])
        check("proposed by " + spec["login"] in driver.find_element(By.ID, "item-" + item).text, "the proposal is not shown")
        submit("approve-proposal-" + proposal)
        check("Approved correction proposal " + proposal in text("notice"), "notice: " + text("notice"))
        row = driver.find_element(By.ID, "item-" + item)
        check("ledgerCorrection" in row.text and spec["approver"] in row.text and "proposed by " + spec["login"] in row.text,
              "the resolution is not shown: " + row.text)

        step = "look up the account and its ledger history"
        driver.get(base + "/console/accounts")
        driver.find_element(By.ID, "account").send_keys(spec["account"])
        submit("look-up")
        check(text("agrees") == "yes", "the postings do not agree with the balance: " + text("agrees"))
        check(order in text("orders"), "the withdrawal is not among the account's orders")
        check("correction" in text("postings"), "the correcting entry is not in the ledger history")
        shot("account")

        step = "every action is in the audit trail"
        driver.get(base + "/console/audit")
        audit = text("audit")
        for action in ("withdrawal.approve", "deadLetter.replay", "recon.propose", "recon.approve", "signIn"):
            check(action in audit, action + " is not in the audit trail")
        shot("audit")

        step = "sign out"
        submit("sign-out")
        check(driver.current_url.endswith("/console/login"), "landed on " + driver.current_url)
        driver.get(base + "/console/audit")
        check(driver.current_url.endswith("/console/login"), "the session still works after signing out")
        print(json.dumps({"passed": True}))
        return 0
    except Exception as error:  # noqa: BLE001 - every failure is reported with the step and the page
        body = ""
        try:
            body = driver.find_element(By.TAG_NAME, "body").text[:3000]
            shot("failure")
        except Exception:  # noqa: BLE001
            pass
        print(json.dumps({"passed": False, "step": step, "error": repr(error), "url": driver.current_url, "page": body}))
        return 1
    finally:
        driver.quit()


if __name__ == "__main__":
    sys.exit(main())
