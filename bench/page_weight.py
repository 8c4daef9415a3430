"""What a first visit downloads, compressed: the page, its stylesheet and the JavaScript it runs (figures, not a test).

For `/`, `/events`, an event's page and its booking form (in English and Urdu), on a fresh SQLite database
seeded by the CLI: the page's HTML (gzip, as the server sends it), the stylesheet it links, app.js, and the
GOV.UK Frontend modules app.js imports for that page (the components on the page, and what they import),
each gzipped as the server does (`backend.core.compression`). The service worker's install download (the offline
shell) happens after the page has loaded and is not counted.

    .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

STATIC = REPO_ROOT / "frontend" / "static"
from backend.core.compression import FILE_GZIP_LEVEL, GZIP_LEVEL, gzip_whole  # noqa: E402 - after the path is set

GOVUK = STATIC / "dist" / "govuk"
IMPORT = re.compile(r"""^import [^'"]*['"]([^'"]+)['"]""", re.MULTILINE)
# The components app.js loads (data-module -> module, and the element a component needs inside to be loaded).
APP_JS_COMPONENTS = re.compile(r'"(govuk-[a-z-]+)": \["([^"]+)", "\w+"(?:, "([^"]+)")?\]')


def gz(data: bytes, level: int = FILE_GZIP_LEVEL) -> int:
    """Compressed size, as the server's gzip sends it (a page at GZIP_LEVEL; a file, with its ETag, once at
    FILE_GZIP_LEVEL)."""
    return len(gzip_whole(data, level))


def module_graph(entry: Path, seen: set[Path]) -> None:
    """`entry` and every module it imports, relative imports followed."""
    if entry in seen:
        return
    seen.add(entry)
    for target in IMPORT.findall(entry.read_text()):
        module_graph((entry.parent / target).resolve(), seen)


def page_modules(html: str) -> set[Path]:
    """The GOV.UK modules app.js imports for this page (a component with a selector only when it matches)."""
    app_js = (STATIC / "js" / "app.js").read_text()
    modules: set[Path] = set()
    for module_name, path, needs in APP_JS_COMPONENTS.findall(app_js):
        if f'data-module="{module_name}"' not in html:
            continue
        if needs and not any(_marker(selector) in html for selector in needs.split(",")):
            continue
        module_graph((GOVUK / "components" / path).resolve(), modules)
    return modules


def _marker(selector: str) -> str:
    """What a simple selector leaves in the HTML: `.a-class` its class, `[name='value']` the attribute."""
    selector = selector.strip()
    attribute = re.search(r"\[([\w-]+)='([^']*)'\]", selector)
    return f'{attribute.group(1)}="{attribute.group(2)}"' if attribute else selector.lstrip(".")


def main() -> int:
    """Render the pages in-process and print the table."""
    from litestar.testing import TestClient  # noqa: PLC0415 - after the path is set

    from backend.app import create_app  # noqa: PLC0415
    from backend.settings import Settings  # noqa: PLC0415
    from tests.support.live_server import prepared_sqlite  # noqa: PLC0415

    data_dir = Path(tempfile.mkdtemp(prefix="hearby-weight-"))
    url = prepared_sqlite(data_dir)
    settings = Settings.from_env(
        {"DATABASE_URL": url, "HEARBY_DATA_DIR": str(data_dir), "LOG_LEVEL": "WARNING", "HEARBY_ENV": "test"}
    )
    print("| page | lang | HTML | CSS | JS | total (KB, gzip) |")
    print("|---|---|---:|---:|---:|---:|")
    with TestClient(app=create_app(settings), base_url="http://127.0.0.1:8000") as client:
        first = client.get("/api/v1/events").json()["items"][0]
        event = first["url"]
        pages = {"/": "/", "/events": "/events", "an event": event, "its booking form": f"{event}/book"}
        for lang in ("en", "ur"):
            client.cookies.set("hearby_lang", lang)
            for label, path in pages.items():
                response = client.get(path, headers={"Accept-Encoding": "gzip"})
                html = response.text
                page = gz(response.content, GZIP_LEVEL)
                sheet = re.search(r'href="/static/(dist/hearby[^"?]*\.css)', html)
                css = gz((STATIC / sheet.group(1)).read_bytes()) if sheet else 0
                js = gz((STATIC / "js" / "app.js").read_bytes())
                js += sum(gz(module.read_bytes()) for module in page_modules(html))
                print(
                    f"| {label} | {lang} | {page / 1024:.1f} | {css / 1024:.1f} | {js / 1024:.1f} "
                    f"| **{(page + css + js) / 1024:.1f}** |"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
