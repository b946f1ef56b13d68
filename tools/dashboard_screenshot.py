"""Take docs/dashboard.png: the example project built against the local stand-in service, one prompt edited
since (so the graph shows a stale prompt and its importers), served by `lit serve`, in headless chromium.

    .venv/bin/python tools/dashboard_screenshot.py [docs/dashboard.png]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402

from tests.conftest import example_on_fake  # noqa: E402
from tests.fake_llm import FakeLLM  # noqa: E402

BIN = Path(sys.executable).parent


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs/dashboard.png"
    env = {**os.environ, "NO_COLOR": "1", "TEST_LLM_KEY": "sk-test-not-a-real-key", "SE_OFFLINE": "true"}
    fake = FakeLLM().start()
    with tempfile.TemporaryDirectory() as tmp:
        example = example_on_fake(Path(tmp) / "taskbook", fake)
        subprocess.run([str(BIN / "lit"), "regenerate", "-j", "4"], cwd=example.root, env=env, check=True)
        store = example.root / "prompts/storage/store.prompt.md"
        store.write_text(store.read_text() + "\nKeep the file sorted by task id.\n")
        server = subprocess.Popen(
            [str(BIN / "lit"), "serve", "--port", "0"], cwd=example.root, env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            url = server.stderr.readline().strip().removeprefix("lit: serving ")
            options = Options()
            options.binary_location = "/usr/bin/chromium"
            for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1320,900"):
                options.add_argument(arg)
            driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
            try:
                driver.get(url)
                driver.save_screenshot(str(out))
            finally:
                driver.quit()
        finally:
            server.terminate()
            server.wait(timeout=10)
    fake.stop()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
