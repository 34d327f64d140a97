"""Screenshot pages of a running Bangfu at desktop and 375-px phone widths, to look at them.

    make demo   # in another terminal (or any server on BASE_URL)
    .venv/bin/python scripts/screenshots.py [--user office] [PATH ...]

PNGs go to var/screenshots/<user>-<page>-<width>.png.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

DEFAULT_PATHS = [
    "/", "/campaigns/pairings/", "/ledger/activities/", "/registry/households/",
    "/geo/regions/", "/orgs/units/", "/orgs/branches/", "/orgs/members/",
]
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    parser.add_argument("--user", default="office")
    parser.add_argument("--password", default="bangfu2016")
    parser.add_argument("--base-url", default=os.environ.get("BASE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--lang", default="zh-hans")
    args = parser.parse_args()
    out = Path(__file__).resolve().parents[1] / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    chromium = os.environ.get("BANGFU_CHROMIUM") or shutil.which("chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        for width, height in ((1280, 900), (375, 812)):
            context = browser.new_context(viewport={"width": width, "height": height},
                                          base_url=args.base_url, device_scale_factor=1,
                                          locale="zh-CN" if args.lang == "zh-hans" else "en-US")
            page = context.new_page()
            page.goto("/login/")
            page.fill("#id_username", args.user)
            page.fill("#id_password", args.password)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            if args.lang != "zh-hans":
                context.add_cookies([{"name": "django_language", "value": args.lang,
                                      "url": args.base_url}])
            for path in args.paths:
                page.goto(path)
                page.wait_for_load_state("networkidle")  # charts and maps draw after loading
                name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()) or "dashboard"
                target = out / f"{args.user}-{args.lang}-{name}-{width}.png"
                # Long phone pages: the first two screens are what people see.
                clip = {"x": 0, "y": 0, "width": width, "height": 1600} if width < 600 else None
                page.screenshot(path=str(target), full_page=True, clip=clip)
                print(target)
            context.close()
        browser.close()


if __name__ == "__main__":
    main()
