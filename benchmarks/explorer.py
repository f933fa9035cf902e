"""The explorer in headless Chromium: time from choosing a photo to the first map drawn (cold: the model
not yet loaded; warm: a second photo), and the page's total download size. A benchmark, not a test.

    PYTHONPATH=. .venv/bin/python benchmarks/explorer.py
"""
import shutil
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import vitmath  # noqa: E402
from publish_fixtures import make_course  # noqa: E402
from render.serve import make_server  # noqa: E402
from render.site import build_site  # noqa: E402

ASSETS = Path(vitmath.__file__).parent / "assets"


def main():
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp())
    lessons, out = make_course(root)
    index = build_site(out, "low", lessons=lessons, echo=lambda *_: None)
    server = make_server(index.parent, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sizes = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page()
        page.on("response", lambda r: sizes.__setitem__(r.url, int(r.headers.get("content-length", 0))))
        page.goto(f"http://127.0.0.1:{server.server_port}/index.html", wait_until="load")
        for n, (what, photo) in enumerate([("cold", "astronaut.png"), ("warm", "chelsea.png")], 1):
            page.set_input_files("#x-file", str(ASSETS / photo))
            page.wait_for_function(f"VITLESSONS_EXPLORER.photos >= {n}", timeout=120000)
            t = page.evaluate("VITLESSONS_EXPLORER.timings")
            print(f"{what}: choose -> first map {t['firstMap'] - t['chosen']:.0f} ms (preprocess "
                  f"{t['prepared'] - t['chosen']:.0f} ms, model {t['inferred'] - t['prepared']:.0f} ms)")
        browser.close()
    server.shutdown()
    videos = sum(v for u, v in sizes.items() if u.endswith(".mp4"))
    explorer = sum(v for u, v in sizes.items() if "/explorer" in u)
    print(f"download: {sum(sizes.values()) / 1e6:.1f} MB in all, of which the explorer {explorer / 1e6:.1f} MB "
          f"(model.onnx {(index.parent / 'explorer/model.onnx').stat().st_size / 1e6:.1f} MB) and the fixture's "
          f"videos {videos / 1e6:.1f} MB")
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
