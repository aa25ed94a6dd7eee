"""End to end in headless Chromium (Debian's ``chromium`` + ``chromium-driver``, driven by Selenium).

CI installs them with ``apt-get install -y chromium chromium-driver``; without them these tests skip.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from designgan.app.demo import launch
from designgan.pipeline import DesignGANPipeline

from .conftest import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# a photo of jeans: the demo's default target is a skirt, and the garment check refuses a skirt photo
EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "designgan" / "assets" / "examples" / "ccp_1045.jpg"

pytestmark = pytest.mark.skipif(
    not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
    reason="headless Chromium not installed (apt-get install -y chromium chromium-driver)",
)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (dev extra)")


@pytest.fixture
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_AVOID_STATS"] = "true"  # Selenium Manager must not phone home (it is not used: paths given)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", "--window-size=1280,1600"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def serve(run_dir: Path, landmarks: Path):
    pipe = DesignGANPipeline.from_pretrained(run_dir, landmarks=landmarks)
    port = free_port()
    demo, backend = launch(pipe, port=port, block=False)
    return demo, backend, f"http://127.0.0.1:{port}/"


def upload_and_translate(browser, url: str, photo: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    wait = WebDriverWait(browser, 90)
    file_input = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "#photo input[type=file]")))
    file_input.send_keys(str(photo))
    # Gradio shows the uploaded name split into stem and suffix.
    wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "#photo"), photo.stem))
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#translate"))).click()


def test_result_image_appears(browser, run_dir, shipped_landmarks):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    demo, backend, url = serve(run_dir, shipped_landmarks)
    try:
        upload_and_translate(browser, url, EXAMPLE)
        WebDriverWait(browser, 180).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#result img")
                                          or "Error" in d.find_element(By.ID, "status").text)
        status = browser.find_element(By.ID, "status").text
        assert "Error" not in status, status
        img = browser.find_element(By.CSS_SELECTOR, "#result img")
        assert img.get_attribute("src") and browser.execute_script("return arguments[0].naturalWidth", img) > 0
        assert list(backend.out_dir.glob("designgan_*.png"))  # the downloadable file exists
    finally:
        demo.close()
        backend.cleanup()


def test_no_person_error_appears(browser, run_dir, untrained_landmarks):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    demo, backend, url = serve(run_dir, untrained_landmarks)
    try:
        upload_and_translate(browser, url, EXAMPLE)
        WebDriverWait(browser, 180).until(ec.text_to_be_present_in_element((By.ID, "status"), "no person found"))
        assert not browser.find_elements(By.CSS_SELECTOR, "#result img")
    finally:
        demo.close()
        backend.cleanup()
