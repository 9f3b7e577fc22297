"""Real-browser test of the workspace: Debian chromium + chromedriver through Selenium.

Uploads a survey, changes a topic, pins a question, exports the workbook, restarts the server
and sees the change kept. Skipped (with the reason) without chromium / chromedriver / selenium.
``SCREENSHOTS=docs`` also saves a screenshot of each page there (README images)."""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
selenium = pytest.importorskip("selenium", reason="selenium (dev extra) is not installed")
from openpyxl import load_workbook  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from test_web_api import ROOT, SAMPLE, _free_port, _start  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = "/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason=f"needs Debian chromium and chromium-driver (found chromium={CHROMIUM}, chromedriver={DRIVER}); "
    "make test installs them when run as root",
)


@pytest.fixture()
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000", "--lang=vi"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path / "downloads"), "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


def _shot(driver, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        height = driver.execute_script("return Math.min(document.body.scrollHeight, 2400)")
        driver.set_window_size(1400, max(900, height))
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / name))
        driver.set_window_size(1400, 1000)


def test_upload_edit_pin_export_restart(browser, tmp_path):
    import httpx

    port = _free_port()
    data = tmp_path / "data"
    server = _start(data, port)
    base = f"http://127.0.0.1:{port}"
    wait = WebDriverWait(browser, 60)
    try:
        browser.get(base + "/")
        browser.find_element(By.ID, "officer").send_keys("Nguyễn Lan")
        browser.find_element(By.ID, "file").send_keys(str(SAMPLE))
        browser.find_element(By.ID, "upload-button").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#petitions tr[data-id]")))
        officer = browser.find_element(By.ID, "officer")  # same name on every page, via the cookie
        browser.execute_script("arguments[0].dispatchEvent(new Event('change'))", officer)
        assert "sample_survey.xlsx" in browser.title
        _shot(browser, "workspace-survey.png")

        # change the topic of the third row
        row = browser.find_elements(By.CSS_SELECTOR, "#petitions tr[data-id]")[2]
        pid = row.get_attribute("data-id")
        select = Select(row.find_element(By.CSS_SELECTOR, "select.topic"))
        new = "security" if select.first_selected_option.get_attribute("value") != "security" else "housing"
        select.select_by_value(new)
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f'tr[data-id="{pid}"]').get_attribute("data-version") == "2")
        assert httpx.get(f"{base}/api/petitions/{pid}").json()["history"][0]["officer"] == "Nguyễn Lan"

        # pin a group that is not on the shortlist
        browser.get(base + "/surveys/1/groups")
        _shot(browser, "workspace-groups.png")
        shortlisted = {e.get_attribute("data-group") for e in browser.find_elements(By.CSS_SELECTOR, "#shortlist tr[data-group]")}
        box = next(e for e in browser.find_elements(By.CSS_SELECTOR, "details.group") if e.get_attribute("data-group") not in shortlisted)
        gid = box.get_attribute("data-group")
        browser.execute_script("arguments[0].open = true; arguments[0].scrollIntoView()", box)
        box.find_element(By.CSS_SELECTOR, 'button.group-action[data-action="pin"]').click()
        wait.until(lambda d: gid in {e.get_attribute("data-group") for e in d.find_elements(By.CSS_SELECTOR, "#shortlist tr.pinned")})

        # export the workbook: the edited topic is in it
        browser.find_element(By.ID, "export-workbook").click()
        download = tmp_path / "downloads"
        deadline = time.time() + 30
        while time.time() < deadline and not [p for p in download.glob("*.xlsx")]:
            time.sleep(0.2)
        book = next(download.glob("*.xlsx"))
        rows = list(load_workbook(io.BytesIO(book.read_bytes()), read_only=True)["Kiến nghị"].iter_rows(values_only=True))
        assert rows[3][rows[0].index("Mã chủ đề")] == new

        browser.get(base + "/")
        _shot(browser, "workspace-home.png")
        browser.get(base + "/surveys/1/answers")
        _shot(browser, "workspace-answers.png")
    finally:
        server.kill()
        server.wait(10)

    server = _start(data, port)  # restart: everything acknowledged is still there
    try:
        browser.get(base + "/surveys/1")
        row = browser.find_element(By.CSS_SELECTOR, f'tr[data-id="{pid}"]')
        assert Select(row.find_element(By.CSS_SELECTOR, "select.topic")).first_selected_option.get_attribute("value") == new
        browser.get(base + "/surveys/1/groups")
        assert gid in {e.get_attribute("data-group") for e in browser.find_elements(By.CSS_SELECTOR, "#shortlist tr.pinned")}

        # another officer changes the row after this page was opened: this page's change is refused
        # and its select shows the topic it last saw saved again, not the refused one
        browser.get(base + "/surveys/1")
        other, third = [c for c in ("housing", "other", "skills_training") if c != new][:2]
        assert httpx.patch(f"{base}/api/petitions/{pid}", json={"category": other, "version": 2}).status_code == 200
        row = browser.find_element(By.CSS_SELECTOR, f'tr[data-id="{pid}"]')
        Select(row.find_element(By.CSS_SELECTOR, "select.topic")).select_by_value(third)
        wait.until(lambda d: "người khác" in d.find_element(By.ID, "flash").text)
        row = browser.find_element(By.CSS_SELECTOR, f'tr[data-id="{pid}"]')
        assert Select(row.find_element(By.CSS_SELECTOR, "select.topic")).first_selected_option.get_attribute("value") == new
        assert httpx.get(f"{base}/api/petitions/{pid}").json()["category"] == other
    finally:
        server.terminate()
        server.wait(10)


def test_dismiss_a_wrong_already_answered_mark(browser, tmp_path):
    """"Không phải vấn đề này" hides the mark and leaves an undo; refused (another tab dismissed it
    first), the mark comes back with the reason."""
    import httpx

    from petition_nlp.store import Store
    from petition_nlp.store import workspace as ws
    from test_web_answers import HANDOVER_A, HANDOVER_B, _grouped_survey

    data = tmp_path / "data"
    store = Store(data)
    first = _grouped_survey(store, "2025.csv", [HANDOVER_A, HANDOVER_B])
    a = min(g["group_id"] for g in store.groups(first))
    ws.record_answer(store, a, agency="Sở Xây dựng", answer="Bàn giao trong quý II.", answered_on="2025-12-15", status="answered")
    later = _grouped_survey(store, "2026.csv", [["Bao giờ bàn giao căn hộ nhà ở xã hội cho công nhân?"], ["Đề nghị mở lớp học tiếng Hàn."]])
    ws.link_answered(store, later)
    pid = store.petitions(later)[0][0]["id"]
    assert store.petition(pid)["answered_in"]["group_id"] == a
    port = _free_port()
    server = _start(data, port)
    base = f"http://127.0.0.1:{port}"
    wait = WebDriverWait(browser, 30)
    row = f'#petitions tr[data-id="{pid}"]'
    try:
        browser.get(f"{base}/surveys/{later}")
        assert httpx.delete(f"{base}/api/petitions/{pid}/answered").status_code == 200  # another tab, first
        browser.find_element(By.CSS_SELECTOR, f"{row} button.dismiss-answered").click()
        wait.until(lambda d: "nothing to dismiss" in d.find_element(By.ID, "flash").text)
        assert browser.find_element(By.CSS_SELECTOR, f"{row} .answered").is_displayed()  # refused: shown again

        assert httpx.post(f"{base}/api/petitions/{pid}/answered/restore", json={}).json()["answered_in"]["group_id"] == a
        browser.get(f"{base}/surveys/{later}")
        browser.find_element(By.CSS_SELECTOR, f"{row} button.dismiss-answered").click()
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, f"{row} .dismissed button.restore-answered")))
        assert not browser.find_elements(By.CSS_SELECTOR, f"{row} .answered")
        assert httpx.get(f"{base}/api/petitions/{pid}").json()["answered_in"] is None
        assert [d["group_id"] for d in httpx.get(f"{base}/api/surveys/{later}/dismissed-links").json()] == [a]

        browser.find_element(By.CSS_SELECTOR, f"{row} button.restore-answered").click()  # undo: the page reloads with the mark
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, f"{row} .answered button.dismiss-answered")))
        assert httpx.get(f"{base}/api/petitions/{pid}").json()["answered_in"]["group_id"] == a
    finally:
        server.terminate()
        server.wait(10)
