"""The course page's explorer in a real headless Chromium (the system `chromium`, through Playwright): the
learner's photo goes through the ONNX export of the course's model in onnxruntime-web, and what the page
computes must be what vitmath computes. The page is served by `vitlessons site --serve`'s own server.

Set VITLESSONS_SCREENSHOTS=/some/folder to keep the screenshots of each view.
"""
from __future__ import annotations

import os
import threading
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import vitmath
from publish_fixtures import FakeLesson, make_course
from render.explorer_model import VIEW_LESSONS, lesson_links
from render.serve import make_server
from render.site import build_site, score
from test_site import browser  # noqa: F401  (the site tests' headless Chromium)

ASSETS = Path(vitmath.__file__).parent / "assets"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from scenes import course

    root = tmp_path_factory.mktemp("explorer")
    lessons, out = make_course(root)
    # The lessons the views point to, listed (not rendered), so the page has their buttons to test.
    real = {lesson.id: lesson for lesson in course.LESSONS}
    for lesson_id in dict.fromkeys(lesson_id for lesson_id, _ in VIEW_LESSONS.values()):
        r = real[lesson_id]
        lessons.append(FakeLesson(r.number, r.id, r.phase, r.title, r.minutes, r.scene_class, r.narration_file))
    index = build_site(out, "low", lessons=lessons, echo=lambda *_: None)
    server = make_server(index.parent, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"base": f"http://127.0.0.1:{server.server_port}/", "dir": index.parent, "root": root}
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def shared_page(browser, site):
    """One page for the tests that run the model: loading and compiling it once keeps the file quick."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.problems, page.requests = [], []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.on("request", lambda r: page.requests.append(r.url))
    page.goto(site["base"] + "index.html", wait_until="load")
    yield page
    context.close()


@pytest.fixture
def page(shared_page):
    shared_page.problems.clear()
    yield shared_page


def _choose(page, path_or_file):
    """Give the file input a photo and wait until the page has run the model on it."""
    done = page.evaluate("VITLESSONS_EXPLORER.error = null, VITLESSONS_EXPLORER.photos") + 1
    page.set_input_files("#x-file", path_or_file)
    page.wait_for_function(f"VITLESSONS_EXPLORER.photos >= {done} || VITLESSONS_EXPLORER.error", timeout=60000)
    assert page.evaluate("VITLESSONS_EXPLORER.error") is None


def _shot(page, name, selector):
    folder = os.environ.get("VITLESSONS_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.locator(selector).screenshot(path=str(Path(folder) / name))


def _trace(path):
    model = vitmath.load_model()
    return vitmath.trace(model, vitmath.load_image(path, model))


def test_the_course_photo_in_the_page_is_vitmaths_trace(page, site):
    _choose(page, vitmath.DEFAULT_IMAGE)
    tr = vitmath.cached_trace()
    d = tr.dims
    got = page.evaluate("""() => { const s = VITLESSONS_EXPLORER.state(), x = VITLESSONS_EXPLORER;
        const maps = b => Array.from({length: %d}, (_, h) => x.clsMap(b, h));
        return {picture: Array.from(s.picture), input: Array.from(s.tensor), logits: Array.from(s.logits),
                first: maps(0), last: maps(%d), rollout: x.rollout(), distance: x.meanDistance(),
                top5: x.top5().map(t => t.label)}; }""" % (d.H, d.depth - 1))
    # The page's resize and crop are Pillow's, to the byte; the normalised input is torch's, to the bit.
    assert np.array_equal(np.array(got["picture"], dtype=np.uint8), tr.picture.reshape(-1))
    assert np.array_equal(np.array(got["input"], dtype=np.float32), tr.input.numpy().reshape(-1))
    assert np.abs(np.array(got["logits"]) - tr.logits.numpy()).max() < 1e-3
    maps = vitmath.all_cls_attention_maps(tr).numpy().reshape(d.depth, d.H, -1)
    assert np.abs(np.array(got["first"]) - maps[0]).max() < 1e-4
    assert np.abs(np.array(got["last"]) - maps[-1]).max() < 1e-4
    assert np.abs(np.array(got["rollout"]) - vitmath.rollout_cls_map(tr).numpy().reshape(-1)).max() < 1e-4
    assert np.abs(np.array(got["distance"]) - vitmath.mean_attention_distance(tr).numpy()).max() < 1e-2  # px
    assert got["top5"] == [label for _, label, _ in tr.top5]
    # Every request the page made went to its own folder (blob: is the page's own photo, in memory).
    assert [u for u in page.requests if not u.startswith(site["base"])] == []
    assert {u[len(site["base"]):] for u in page.requests} >= {"explorer/model.onnx", "explorer/ort/ort-wasm-simd-threaded.wasm"}
    for view in ("grid", "patch", "top5", "attention", "distance"):
        _shot(page, f"explorer-{view}.png", f"#x-view-{view}")
    assert page.problems == []


def test_two_other_photos_get_vitmaths_top1(page, site):
    from PIL import Image

    jpeg = site["root"] / "chelsea.jpg"  # not square, and a JPEG: the other resize path and the other decoder
    Image.open(ASSETS / "chelsea.png").convert("RGB").save(jpeg, quality=90)
    for path in (ASSETS / "astronaut.png", jpeg):
        _choose(page, path)
        expected = _trace(path).top5[0][1]
        assert page.evaluate("VITLESSONS_EXPLORER.top5()[0].label") == expected
        assert page.locator("#x-top5 li").first.inner_text().startswith(expected)
        # maps were drawn for this photo: the heatmap shows values, its colour bar says their range
        assert len(page.evaluate("VITLESSONS_EXPLORER.shownMap")) == vitmath.cached_trace().dims.N
        assert "attention weight" in page.locator("#x-map-bar").get_attribute("aria-label")
    assert page.problems == []


def test_a_broken_file_gets_one_clear_line(page):
    page.set_input_files("#x-file", {"name": "holiday.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8 not really"})
    page.wait_for_function("VITLESSONS_EXPLORER.error")
    line = page.locator("#x-status").inner_text()
    assert line == "This browser cannot decode holiday.jpg as an image; choose a JPEG, PNG, WebP or GIF photo."
    assert page.problems == []


def test_hover_focus_and_numbering(page):
    _choose(page, ASSETS / "astronaut.png")
    tr = _trace(ASSETS / "astronaut.png")
    d = tr.dims
    blocks = page.eval_on_selector_all("#x-block option", "els => els.map(e => e.textContent)")
    assert blocks[:d.depth] == [f"Block {b}" for b in range(1, d.depth + 1)] and "heuristic" in blocks[-1]
    assert page.eval_on_selector_all("#x-head option", "els => els.map(e => e.textContent)") == \
           [f"Head {h}" for h in range(1, d.H + 1)]
    page.select_option("#x-block", "0")
    page.select_option("#x-head", "1")
    # Focus the first patch, then move with the keyboard: the map becomes that patch's own row (lesson 7).
    page.locator("#x-map-cells button").first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    q = d.grid + 1
    assert page.evaluate("document.activeElement.dataset.index") == str(q)
    assert f"Block 1, head 2: where patch {q} " in page.locator("#x-attn-caption").inner_text()
    row = tr.blocks[0].attn[1, 1 + q, 1:].numpy()
    assert np.abs(np.array(page.evaluate("VITLESSONS_EXPLORER.shownMap")) - row).max() < 1e-4
    page.locator("#x-block").focus()  # leaving the grid brings back the CLS token's row
    assert "where the CLS token looks" in page.locator("#x-attn-caption").inner_text()
    page.select_option("#x-block", "rollout")
    assert page.is_disabled("#x-head") and page.is_visible("#x-rollout-note")
    _shot(page, "explorer-rollout.png", "#x-view-attention")
    assert page.problems == []


def test_predict_then_check_on_the_learners_photo(page):
    path = ASSETS / "astronaut.png"
    _choose(page, path)
    page.click("#x-play")
    page.wait_for_function("document.querySelector('#patches').style.backgroundImage.includes('blob:')")
    assert "your photo" in page.locator("#model").inner_text()
    tr = _trace(path)
    picks = [5, 6, 20, 100]
    page.select_option("#block", "3")
    page.select_option("#head", "0")
    for i in picks:
        page.click(f"#patches button[data-index='{i}']")
    page.click("#reveal")
    got = {k: float(page.get_attribute("#score", f"data-{k}")) for k in ("captured", "best", "ratio")}
    expected = score([float(v) for v in vitmath.all_cls_attention_maps(tr)[3, 0].flatten()], picks)
    assert all(abs(got[k] - expected[k]) < 1e-4 for k in got)  # the same rule, on maps the page computed
    _shot(page, "explorer-game.png", "#game")
    page.click("#game-course")  # and back to the course photo's precomputed maps
    assert "this photo" in page.locator("#model").inner_text() and page.is_hidden("#game-course")
    assert page.problems == []


def test_opened_as_a_file_the_page_says_to_serve_it(browser, site):
    page = browser.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto((site["dir"] / "index.html").as_uri(), wait_until="load")
    assert "vitlessons site --serve" in page.locator("#x-status").inner_text()
    assert problems == []
    page.close()


def test_each_view_jumps_to_the_lesson_that_teaches_it(page):
    buttons = page.locator("#x-view-patch .lesson-links button")
    assert buttons.all_inner_texts() == ["Lesson 5: One patch, flattened \u25b8"]
    assert page.locator("#x-view-attention .lesson-links button").all_inner_texts() == [
        "Lesson 8: What each head reads \u25b8", "Lesson 7: One question, one row \u25b8",
        "Lesson 14: Round 4: rollout \u25b8"]
    buttons.first.click()
    page.wait_for_function("(() => { const r = document.getElementById('p2-01-contact-sheet').getBoundingClientRect();"
                           " return r.top >= -1 && r.top < innerHeight; })()")
    assert page.problems == []


def test_the_server_answers_byte_ranges(site):
    video = next((site["dir"] / "media").glob("*.mp4"))
    request = urllib.request.Request(site["base"] + "media/" + video.name, headers={"Range": "bytes=100-199"})
    with urllib.request.urlopen(request) as r:
        assert r.status == 206 and r.headers["Content-Range"] == f"bytes 100-199/{video.stat().st_size}"
        assert r.read() == video.read_bytes()[100:200]
    with urllib.request.urlopen(site["base"] + "explorer/ort/ort-wasm-simd-threaded.wasm") as r:
        assert r.headers["Content-Type"] == "application/wasm"


def test_every_view_names_a_chapter_of_the_lesson_that_teaches_it():
    from scenes import course

    links = lesson_links(course.LESSONS, {})
    assert set(links) == set(VIEW_LESSONS)
    numbers = {lesson.id: lesson.number for lesson in course.LESSONS}
    for view, link in links.items():
        assert link["chapter"], f"{view}: cue {VIEW_LESSONS[view][1]!r} of {link['lesson']} starts no chapter"
        assert link["number"] == numbers[link["lesson"]]
    assert links["patch"]["number"] == 5 and links["row"]["number"] == 7 and links["rollout"]["number"] == 14
