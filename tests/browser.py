"""Open a report in headless Chromium (Debian's, driven by Playwright) and collect what a
reader's browser would complain about: console messages, page errors, requests beyond the
file, images that do not decode, and horizontal overflow at a viewport's width."""

from __future__ import annotations

from pathlib import Path

DESKTOP = {"width": 1200, "height": 1600}
PHONE = {"width": 375, "height": 812}  # an iPhone's CSS width

DECODE_ALL = """async () => {
  const images = Array.from(document.images);
  const decoded = await Promise.all(images.map(i => i.decode().then(() => i.naturalWidth > 0,
                                                                   () => false)));
  return decoded;
}"""
OVERFLOW = """() => {
  const root = document.documentElement;
  const wide = Array.from(document.body.querySelectorAll('*'))
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
    .filter(e => !e.closest('table'))  // tables scroll inside their own box
    .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + (e.textContent || '').slice(0, 40));
  return {scroll: root.scrollWidth, client: root.clientWidth, wide: wide.slice(0, 10)};
}"""


def open_report(report: Path, executable: str, viewport: dict, screenshot: Path | None = None):
    from playwright.sync_api import sync_playwright

    console, errors, requests = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport=viewport)
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(report.as_uri(), wait_until="load")
        decoded = page.evaluate(DECODE_ALL)
        overflow = page.evaluate(OVERFLOW)
        summary = page.inner_text("section.summary")
        if screenshot is not None:
            screenshot.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(screenshot))
        browser.close()
    return {
        "console": console,
        "errors": errors,
        "requests": requests,
        "decoded": decoded,
        "overflow": overflow,
        "summary": summary,
    }
