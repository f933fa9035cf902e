"""`vitlessons site` in a real headless Chromium (Debian's `chromium`, installed by setup.sh), driven by
Playwright pointed at the system browser. The page is served by Python's http.server, as a user would.

Set VITLESSONS_SCREENSHOTS=/some/folder to keep the screenshots for a look.
"""
from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path

import pytest

import vitmath
from publish_fixtures import FakeLesson, make_course
from render.site import build_site, score

P3 = "Phase 3 · ViT vs CNN, Data, Bias, and Hybrids"


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is not installed: run ./setup.sh (Debian package `chromium`)")
    return path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    lessons, out = make_course(root)
    lessons.append(FakeLesson(3, "p3-01-not-yet", P3, "A lesson not rendered yet", 7, "Scene",
                              root / "scripts" / "p3-01-not-yet.toml"))
    index = build_site(out, "low", lessons=lessons, echo=lambda *_: None)
    handler = functools.partial(_Quiet, directory=str(index.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{server.server_port}/index.html", "dir": index.parent}
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--mute-audio"])
        yield b
        b.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    # A reload cancels the videos' downloads (net::ERR_ABORTED): that is no fault of the page.
    page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
            and page.problems.append(f"failed: {r.url} {r.failure}"))
    page.goto(site["url"], wait_until="networkidle")
    yield page
    context.close()


def _shot(page, name, locator=None):
    folder = os.environ.get("VITLESSONS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (locator or page).screenshot(path=str(Path(folder) / name), **({} if locator else {"full_page": True}))


def test_page_loads_every_video_with_captions_and_no_errors(page):
    # Every video's source really plays here (metadata decoded) and its captions track really loads.
    page.wait_for_function("""Array.from(document.querySelectorAll('video')).every(v => v.readyState >= 1 &&
        Array.from(v.querySelectorAll('track')).every(t => t.readyState === 2))""", timeout=15000)
    videos = page.evaluate("""Array.from(document.querySelectorAll('video')).map(v => ({
        lesson: v.closest('article').dataset.lesson, src: v.currentSrc, duration: v.duration,
        captions: Array.from(v.querySelectorAll('track[kind=captions]')).map(t => t.track.cues.length),
        chapters: Array.from(v.querySelectorAll('track[kind=chapters]')).map(t => t.getAttribute('src'))}))""")
    assert [v["lesson"] for v in videos] == ["p1-01-lesson-1", "p2-01-lesson-2"]
    for v in videos:
        assert v["src"].endswith(".mp4") and abs(v["duration"] - 36) < 0.2
        assert v["captions"] == [1] and v["chapters"][0].endswith(".chapters.vtt")
    assert page.locator("article.pending").count() == 1  # not rendered: listed, with no player
    assert page.locator("article.pending video").count() == 0
    phases = page.locator("section.phase h2").all_inner_texts()
    assert phases[:3] == ["Phase 1 · Why Vision Became Sequence Modeling", "Phase 2 · Patch, Embed, Attend by Hand", P3]
    assert "Phase 3 cheat sheet" in page.locator(".cheatsheet").inner_text()
    assert page.locator("#p1-01-lesson-1 button.chapter").all_inner_texts() == \
           ["0:00 Why patches", "0:11 The photo", "0:24 Raster order"]
    assert page.evaluate("document.querySelector('video').textTracks[1].cues.length") == 3  # chapters
    _shot(page, "site-page.png")
    assert page.problems == []


def test_the_page_works_opened_as_a_file(browser, site):
    """No server: tracks come from data.js; seeking to a chapter works (python -m http.server cannot seek,
    it answers no byte ranges)."""
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto((site["dir"] / "index.html").as_uri(), wait_until="load")
    page.wait_for_function("Array.from(document.querySelectorAll('video')).every(v => v.readyState >= 1)")
    tracks = page.evaluate("""Array.from(document.querySelectorAll('video')).map(v =>
        Array.from(v.textTracks).map(t => [t.kind, t.mode, t.cues.length]))""")
    assert tracks == [[["captions", "showing", 1], ["chapters", "hidden", 3]]] * 2
    page.locator("#p1-01-lesson-1 button.chapter").nth(1).click()
    assert page.evaluate("document.querySelector('#p1-01-lesson-1 video').currentTime") == pytest.approx(11.5, abs=0.1)
    assert problems == []
    page.close()


def test_a_round_by_clicks_scores_what_python_computes_from_the_trace(page):
    tr = vitmath.cached_trace()  # the fixture course was rendered with the defaults
    maps = vitmath.all_cls_attention_maps(tr)
    picks = [16, 17, 30, 31, 100]
    page.select_option("#block", "8")   # block 9
    page.select_option("#head", "1")    # head 2
    for i in picks:
        page.click(f"#patches button[data-index='{i}']")
    assert page.locator("#picked").inner_text() == "5 patches picked."
    page.click("#reveal")
    expected = score([float(x) for x in maps[8, 1].flatten()], picks)
    got = {k: float(page.get_attribute("#score", f"data-{k}")) for k in ("captured", "best", "ratio")}
    assert got == expected  # exactly: the same sums in the same order
    text = page.locator("#score").inner_text()
    assert f"hold {100 * expected['captured']:.1f}%" in text and f"Score: {100 * expected['ratio']:.0f}%" in text
    assert page.locator("#patches button.best").count() == 5
    _shot(page, "site-game-revealed.png", page.locator("#game"))

    page.select_option("#block", "rollout")  # a revealed round follows the choice
    assert page.is_disabled("#head")
    expected = score([float(x) for x in vitmath.rollout_cls_map(tr).flatten()], picks)
    assert float(page.get_attribute("#score", "data-ratio")) == expected["ratio"]
    assert 0 < expected["ratio"] <= 1 and expected["captured"] <= expected["best"]
    assert page.problems == []


def test_the_game_plays_with_the_keyboard(page):
    page.locator("#patches button").first.focus()
    for key in ["ArrowRight", "ArrowRight", "ArrowDown", "Space", "End", "Enter"]:
        page.keyboard.press(key)
    grid = vitmath.cached_trace().dims.grid
    pressed = page.eval_on_selector_all("#patches button[aria-pressed=true]", "els => els.map(e => +e.dataset.index)")
    assert pressed == [grid + 2, 2 * grid - 1]
    assert page.evaluate("document.activeElement.dataset.index") == str(2 * grid - 1)
    page.locator("#reveal").focus()
    page.keyboard.press("Enter")
    assert "Score:" in page.locator("#score").inner_text()
    assert page.problems == []


def test_watched_lessons_are_remembered(page):
    assert page.locator("#progress").inner_text() == "0 of 3 lessons watched"
    page.check("#p2-01-lesson-2 .watched-box")
    page.evaluate("document.querySelector('#p1-01-lesson-1 video').dispatchEvent(new Event('ended'))")
    page.reload(wait_until="networkidle")
    assert page.locator("#progress").inner_text() == "2 of 3 lessons watched"
    assert page.is_checked("#p2-01-lesson-2 .watched-box") and page.is_visible("#p1-01-lesson-1 .done")
    assert page.problems == []


def test_blocks_and_heads_count_from_one_on_the_page(page):
    """The lessons' numbering: the game's choosers and every label the page shows count blocks and heads from 1."""
    d = vitmath.cached_trace().dims
    blocks = page.eval_on_selector_all("#block option", "els => els.map(e => e.textContent)")
    heads = page.eval_on_selector_all("#head option", "els => els.map(e => e.textContent)")
    assert blocks[:d.depth] == [f"Block {b}" for b in range(1, d.depth + 1)]
    assert heads == [f"Head {h}" for h in range(1, d.H + 1)]
    text = page.locator("body").inner_text()
    assert not re.search(r"\b(block|head) 0\b", text, re.I)
    page.select_option("#block", "0")
    page.select_option("#head", "0")
    page.locator("#patches button").first.click()
    page.locator("#reveal").click()
    assert re.search(r"\bblock 1, head 1\b", page.locator("#score").inner_text())
