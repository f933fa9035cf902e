"""`vitlessons publish`: YouTube's settings, chapters, thumbnail, metadata, dry run, and uploads through the
Google API client's own fake transport (HttpMockSequence): never the network, never a real sleep."""
from __future__ import annotations

import json
import re
import os
import shutil
import stat

import av
import numpy as np
import pyloudnorm
import pytest
import webvtt
from click.testing import CliRunner
from googleapiclient.discovery import build
from googleapiclient.http import HttpMockSequence
from PIL import Image

from narration.script import load_script
from publish_fixtures import CUES, DURATION, make_course, make_video
from render import chapters, platform, publish, youtube
from render.cli import main
from scenes.course import ROOT
from vitmath.errors import UserError


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Two rendered fixture lessons, published once (dry run) for the whole module."""
    root = tmp_path_factory.mktemp("course")
    lessons, out = make_course(root)
    lines = []
    published = publish.publish_command([], quality="low", out=out, upload=False, privacy="private",
                                        playlist=None, client_secrets=None, echo=lines.append, lessons=lessons)
    return {"root": root, "lessons": lessons, "out": out, "published": published, "plan": "\n".join(lines)}


# ------------------------------------------------------------------------------------------ the MP4

def _audio(path):
    with av.open(str(path)) as c:
        frames = [f.to_ndarray() for f in c.decode(audio=0)]
    return np.concatenate(frames, axis=1).T.astype(np.float64)  # (samples, channels)


def test_published_mp4_meets_youtube_settings_and_keeps_loudness(course):
    p = course["published"][0]
    info = platform.probe(p.path("video"))
    assert platform.problems(info) == []
    assert info["profile"] == "High" and info["pix_fmt"] == "yuv420p" and info["progressive"]
    assert info["max_gop"] == 7 and info["closed_gop"]  # half of 15 fps
    assert info["max_consecutive_b_frames"] == 2
    assert (info["audio_codec"], info["audio_profile"], info["audio_channels"], info["audio_rate"]) == \
           ("aac", "LC", 2, 48_000)
    assert info["moov_before_mdat"]
    # The rendered file missed the settings, so both streams were re-encoded, and the reasons were recorded.
    source = course["out"] / "low" / p.entry["video"]
    assert p.meta["source"]["conform"]["video"] == "re-encoded"
    assert any("GOP" in why for why in p.meta["source"]["conform"]["because"])
    assert not platform.moov_before_mdat(source)
    # Mono to stereo keeps the BS.1770 loudness (each channel at -3 dB), so -14 LUFS stays -14 LUFS.
    meter = pyloudnorm.Meter(48_000)
    before = meter.integrated_loudness(_audio(source)[:, 0])
    after = meter.integrated_loudness(_audio(p.path("video")))
    assert after == pytest.approx(before, abs=0.3)


def test_a_file_that_meets_the_settings_is_not_re_encoded(course, tmp_path):
    ready = course["published"][0].path("video")
    again = tmp_path / "again.mp4"
    done = platform.conform(ready, again)
    assert done == {"video": "copied", "audio": "copied", "because": []}
    assert again.read_bytes() == ready.read_bytes()


def test_each_setting_is_really_measured(tmp_path):
    src = tmp_path / "src.mp4"
    make_video(src, seconds=3)
    problems = platform.problems(platform.probe(src))
    assert "moov atom after the media data" in problems
    assert "GOP of 45 frames, not 7 (half of 15 fps)" in problems  # libx264's default GOP is longer than 3 s
    assert "3 consecutive B-frames, not 2" in problems
    assert "1 audio channel(s), not stereo" in problems
    assert platform.target_bitrate(1080, 60) == 12_000_000 and platform.target_bitrate(480, 15) == 2_500_000


def test_bad_video_is_one_line(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(UserError, match="not a readable video"):
        platform.probe(bad)


# ------------------------------------------------------------------------------------------ chapters

def test_chapters_follow_youtube_rules(course):
    script = load_script(course["lessons"][0].narration_file)
    got = chapters.chapters_from(script, CUES, DURATION)
    assert [(c.start, c.title) for c in got] == [(0.0, "Why patches"), (11.5, "The photo"), (24.5, "Raster order")]
    assert chapters.check(got, DURATION) is None
    assert chapters.description_block(got) == "0:00 Why patches\n0:11 The photo\n0:24 Raster order"
    track = course["published"][0].path("chapters_vtt")
    cues = webvtt.read(str(track))
    assert [(c.start, c.end, c.text) for c in cues] == [
        ("00:00:00.000", "00:00:11.500", "Why patches"), ("00:00:11.500", "00:00:24.500", "The photo"),
        ("00:00:24.500", "00:00:36.000", "Raster order")]


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace('chapter = "The photo"\n', ""), "has 2 chapter(s)"),
    (lambda s: s.replace('id = "grid"\n', 'id = "grid"\nchapter = "Cut"\n'), "chapter 'The photo' lasts 8.5 s (at 0:11)"),
    (lambda s: s.replace('chapter = "Raster order"', 'chapter = "' + "x" * 60 + '"'), "longer than 50"),
    (lambda s: s.replace("chapter = ", "# chapter = "), "names no chapters"),
])
def test_chapter_rule_breaks_name_the_script(course, tmp_path, edit, message):
    path = tmp_path / "edited.toml"
    path.write_text(edit(course["lessons"][0].narration_file.read_text()))
    with pytest.raises(UserError, match=re.escape(message)) as e:
        chapters.chapters_from(load_script(path), CUES, DURATION)
    assert str(path) in str(e.value)


def test_first_chapter_moves_to_zero():
    script = load_script(ROOT / "tests" / "fixtures" / "narration" / "sample-lesson.toml")
    assert chapters.stamp(3725.9) == "1:02:05" and chapters.stamp(59.99) == "0:59"
    cues = [{"id": c.id, "start": 5.0 + 12 * n, "duration": 11} for n, c in enumerate(script.cues)]
    from dataclasses import replace

    script = replace(script, cues=[replace(c, chapter=f"Part {n}") for n, c in enumerate(script.cues)])
    got = chapters.chapters_from(script, cues, cues[-1]["start"] + 12)
    assert got[0].start == 0.0 and got[1].start == 17.0


# ------------------------------------------------------------------------------------------ thumbnail, metadata, dry run

def test_thumbnail_is_a_real_frame_at_1280x720_under_2mb(course):
    p = course["published"][0]
    path = p.path("thumbnail")
    assert path.stat().st_size < 2 * 1024 * 1024 and p.meta["thumbnail"]["bytes"] == path.stat().st_size
    with Image.open(path) as im:
        assert im.format == "JPEG" and im.size == (1280, 720)
        thumb = np.asarray(im.convert("RGB"), np.float64)
    t = p.meta["thumbnail"]["frame_at"]
    assert 0.1 * DURATION <= t <= 0.9 * DURATION
    with av.open(str(p.path("video"))) as c:
        frame = next(f for f in c.decode(video=0) if f.time >= t - 1e-3)
    from render.thumbnail import PANEL
    from scenes.common.style import BACKGROUND

    image = frame.to_image()
    x0, y0, x1, y1 = PANEL
    win = p.meta["thumbnail"]["window"]
    box = (win[0] * image.width, win[1] * image.height, win[2] * image.width, win[3] * image.height)
    real = np.asarray(image.resize((x1 - x0, y1 - y0), Image.LANCZOS, box=box), np.float64)
    # The picture panel is that frame's chosen window, scaled, where the picture is (past the short fade at
    # the panel's left edge) ...
    pic = p.meta["thumbnail"]["picture"]
    a, b = (max(48, round((pic[k] - win[0]) / (win[2] - win[0]) * (x1 - x0))) for k in (0, 2))
    c, d = (round((pic[k] - win[1]) / (win[3] - win[1]) * (y1 - y0)) for k in (1, 3))
    assert b - a > 100 and d - c > 100
    assert np.abs(thumb[c:d, x0 + a:x0 + b] - real[c:d, a:b]).mean() < 4
    assert real[c:d, a:b].std() > 20  # and not a blank background
    # ... and the title's side is the plain course background: no frame shows through the words.
    bg = np.array(Image.new("RGB", (1, 1), BACKGROUND).getpixel((0, 0)), np.float64)
    left = thumb[:, :x0 - 16].reshape(-1, 3)
    assert (np.abs(left - bg).max(axis=1) < 6).mean() > 0.7


def test_metadata_json_beside_the_video(course):
    first, second = course["published"]
    meta = json.loads((first.dir / "01-lesson-1.json").read_text())
    assert meta["title"] == "Fixture lesson 1: slice the image | ViT 01" and len(meta["title"]) <= 100
    assert "0:00 Why patches\n0:11 The photo\n0:24 Raster order" in meta["description"]
    assert "Next: 02 · Fixture lesson 2: slice the image" in meta["description"]
    assert "<" not in meta["description"] and ">" not in meta["description"]
    assert meta["previous"] is None and meta["next"]["lesson"] == "p2-01-lesson-2"
    assert meta["playlist"] == {"title": "Understand Vision Transformers (ViT)", "position": 0}
    assert meta["language"] == "en" and "vision transformer" in meta["tags"]
    assert "non-commercial" in meta["voice"]["licence_note"]
    assert second.meta["previous"]["lesson"] == "p1-01-lesson-1" and second.meta["playlist"]["position"] == 1
    for name in meta["files"].values():
        assert (first.dir / name).is_file()


def test_dry_run_shows_every_call_and_sends_nothing(course):
    plan = course["plan"]
    calls = [line.split()[0] for line in plan.splitlines() if line and not line.startswith((" ", "voice", "dry",
                                                                                           "preparing", "up to"))]
    assert calls == ["videos.insert", "thumbnails.set", "captions.insert", "playlists.insert",
                     "playlistItems.insert"] + ["videos.insert", "thumbnails.set", "captions.insert",
                                                "playlistItems.insert", "videos.update"]
    assert "01-lesson-1.mp4" in plan and '"privacyStatus": "private"' in plan
    assert "voice licence:" in plan
    assert not (course["out"] / "low" / "publish" / "youtube.json").exists()


# ------------------------------------------------------------------------------------------ uploads, faked

class Transport(HttpMockSequence):
    """HttpMockSequence that can also lose the connection: an exception in the sequence is raised."""

    def request(self, uri, method="GET", body=None, headers=None, *args, **kwargs):
        if self._iterable and isinstance(self._iterable[0], BaseException):
            self.request_sequence.append((uri, method, body, headers))
            raise self._iterable.pop(0)
        return super().request(uri, method, body, headers, *args, **kwargs)


def ok(body: dict, **headers):
    return ({"status": "200", **headers}, json.dumps(body))


START = ({"status": "200", "location": "https://upload.test/resumable?id=1"}, "")
AFTER_VIDEO = [ok({"items": []}), ok({"id": "cap-1"}), ok({"id": "PL-1"}), ok({"id": "PI-1"})]
BACKEND_ERROR = ({"status": "503"}, json.dumps({"error": {"code": 503, "message": "Backend Error",
                                                          "errors": [{"reason": "backendError"}]}}))


@pytest.fixture
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(youtube, "_sleep", slept.append)
    monkeypatch.setattr(youtube, "_random", lambda: 0.5)
    return slept


def _upload(course, tmp_path, responses, chunk=1 << 20, lessons=1):
    http = Transport(responses)
    service = build("youtube", "v3", http=http, static_discovery=True, cache_discovery=False)
    state = youtube.State(tmp_path / "youtube.json")
    api = youtube.YouTubeApi(service, tmp_path / "token.json", echo=lambda *_: None, chunk=chunk)
    published = course["published"][:lessons]

    def refresh(p, ids):
        meta = publish.lesson_metadata(p.lesson, p.entry, course["lessons"], ids)
        meta.pop("_chapters")
        return meta

    youtube.run_steps(published, state, api, refresh, echo=lambda *_: None)
    return http, json.loads((tmp_path / "youtube.json").read_text())


def test_upload_retries_a_503_with_backoff(course, tmp_path, no_sleep):
    final = ok({"id": "vid-1", "kind": "youtube#video"})
    http, state = _upload(course, tmp_path, [START, BACKEND_ERROR, BACKEND_ERROR, final, *AFTER_VIDEO])
    assert no_sleep == [0.75, 1.5]  # 2**attempt, times the jitter 0.5 + 0.5 * 0.5
    methods = [(m, uri.split("?")[0].rsplit("/", 1)[-1]) for uri, m, _b, _h in http.request_sequence]
    assert methods == [("POST", "videos"), ("PUT", "resumable"), ("PUT", "resumable"), ("PUT", "resumable"),
                       ("POST", "set"), ("POST", "captions"), ("POST", "playlists"), ("POST", "playlistItems")]
    lesson = state["lessons"]["p1-01-lesson-1"]
    assert lesson["video_id"] == "vid-1" and lesson["caption_id"] == "cap-1"
    assert lesson["playlist_item_id"] == "PI-1" and state["playlist_id"] == "PL-1"
    sent = json.loads(http.request_sequence[0][2])
    assert sent["snippet"]["title"] == "Fixture lesson 1: slice the image | ViT 01"
    assert sent["status"]["privacyStatus"] == "private"
    assert json.loads(http.request_sequence[7][2])["snippet"]["position"] == 0
    # Nothing left to do: a second run sends nothing (an empty sequence fails on any request).
    http, _ = _upload(course, tmp_path, [])
    assert http.request_sequence == []


def test_upload_resumes_after_a_dropped_connection(course, tmp_path, no_sleep):
    size = course["published"][0].path("video").stat().st_size
    # Three chunks, the last one partial; a resumable chunk is a multiple of 256 KiB.
    chunk = 256 * 1024 * -(-size // (3 * 256 * 1024))
    assert 2 * chunk < size <= 3 * chunk
    responses = [START,
                 ({"status": "308", "range": f"bytes=0-{chunk - 1}"}, ""),
                 ConnectionResetError("connection reset by peer"),
                 ({"status": "308", "range": f"bytes=0-{chunk - 1}"}, ""),  # the server has the first chunk
                 ({"status": "308", "range": f"bytes=0-{2 * chunk - 1}"}, ""),
                 ok({"id": "vid-2"}), *AFTER_VIDEO]
    http, state = _upload(course, tmp_path, responses, chunk=chunk)
    ranges = [h.get("Content-Range") for _u, _m, _b, h in http.request_sequence[1:6]]
    assert ranges == [f"bytes 0-{chunk - 1}/{size}", f"bytes {chunk}-{2 * chunk - 1}/{size}",
                      f"bytes */{size}",  # after the drop: ask what arrived ...
                      f"bytes {chunk}-{2 * chunk - 1}/{size}",  # ... and go on from there, not from 0
                      f"bytes {2 * chunk}-{size - 1}/{size}"]
    assert len(no_sleep) == 1 and state["lessons"]["p1-01-lesson-1"]["video_id"] == "vid-2"


def test_a_partial_upload_is_resumed_without_uploading_twice(course, tmp_path, no_sleep):
    quota = ({"status": "403"}, json.dumps({"error": {"code": 403, "message": "quota",
                                                      "errors": [{"reason": "quotaExceeded"}]}}))
    with pytest.raises(UserError, match="quota for today is used up") as e:
        _upload(course, tmp_path, [START, ok({"id": "vid-3"}), ok({"items": []}), quota])
    assert len(str(e.value).splitlines()) == 1
    saved = json.loads((tmp_path / "youtube.json").read_text())["lessons"]["p1-01-lesson-1"]
    assert saved["video_id"] == "vid-3" and "caption_id" not in saved
    http, state = _upload(course, tmp_path, AFTER_VIDEO[1:])  # captions, playlist, item: no video, no thumbnail
    assert [uri.split("?")[0].rsplit("/", 1)[-1] for uri, *_ in http.request_sequence] == \
           ["captions", "playlists", "playlistItems"]
    assert state["lessons"]["p1-01-lesson-1"]["video_id"] == "vid-3"


def test_links_to_the_next_lesson_are_added_once_it_is_up(course, tmp_path, no_sleep):
    responses = [START, ok({"id": "vid-a"}), *AFTER_VIDEO,
                 START, ok({"id": "vid-b"}), ok({"items": []}), ok({"id": "cap-2"}), ok({"id": "PI-2"}),
                 ok({"id": "vid-a"})]  # videos.update of lesson 1, now linking to vid-b
    http, state = _upload(course, tmp_path, responses, lessons=2)
    second_insert = json.loads(http.request_sequence[6][2])
    assert "Previous: 01 · Fixture lesson 1: slice the image https://youtu.be/vid-a" in \
           second_insert["snippet"]["description"]
    uri, method, body, _ = http.request_sequence[-1]
    update = json.loads(body)
    assert method == "PUT" and update["id"] == "vid-a"
    assert "Next: 02 · Fixture lesson 2: slice the image https://youtu.be/vid-b" in update["snippet"]["description"]
    assert json.loads(http.request_sequence[10][2])["snippet"]["position"] == 1


# ------------------------------------------------------------------------------------------ sign-in

TOKEN = {"token": "ya29.SECRET-ACCESS", "refresh_token": "1//SECRET-REFRESH", "client_id": "c.apps.example",
         "client_secret": "SECRET-CLIENT", "token_uri": "https://oauth2.googleapis.com/token",
         "scopes": youtube.SCOPES}


class Creds:
    def __init__(self, **extra):
        self.extra = extra

    def to_json(self):
        return json.dumps({**TOKEN, **self.extra})


def test_token_is_stored_user_only_and_never_in_the_repo(tmp_path):
    path = tmp_path / "cfg" / "token.json"
    youtube.save_token(Creds(), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with pytest.raises(UserError, match="outside the repository"):
        youtube.save_token(Creds(), ROOT / "token.json")
    assert not (ROOT / "token.json").exists()


INVALID_GRANT = ({"status": "400"}, json.dumps({"error": "invalid_grant",
                                                "error_description": "Token has been expired or revoked."}))
UNAUTHORIZED = ({"status": "401"}, json.dumps({"error": {"code": 401, "message": "Invalid Credentials",
                                                         "errors": [{"reason": "authError"}]}}))


@pytest.mark.parametrize("expiry, responses, requests", [
    # The access token looks fresh: YouTube answers 401, the refresh is refused.
    ("2999-01-01T00:00:00Z", [UNAUTHORIZED, INVALID_GRANT], ["upload", "token"]),
    # The access token has expired: the refresh before any call is refused.
    ("2000-01-01T00:00:00Z", [INVALID_GRANT], ["token"]),
])
def test_a_revoked_token_is_one_clear_line(course, tmp_path, monkeypatch, no_sleep, expiry, responses, requests):
    token = tmp_path / "token.json"
    youtube.save_token(Creds(expiry=expiry), token)
    os.chmod(token, 0o644)  # widened by someone: tightened again on load
    transport = Transport(list(responses))
    monkeypatch.setattr(youtube, "_transport", lambda: transport)
    monkeypatch.setenv("VITLESSONS_YOUTUBE_TOKEN", str(token))
    monkeypatch.setattr("scenes.course.LESSONS", course["lessons"][:1])
    out = tmp_path / "out"
    shutil.copytree(course["out"], out)
    result = CliRunner().invoke(main, ["publish", "--upload", "--quality", "low", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: YouTube refused the stored sign-in (expired or revoked); delete {token} and run again to sign in"]
    hosts = ["token" if "oauth2" in uri else "upload" for uri, *_ in transport.request_sequence]
    assert hosts == requests
    everything = result.output + result.stderr
    for secret in ("SECRET-ACCESS", "SECRET-REFRESH", "SECRET-CLIENT"):
        assert secret not in everything
    assert stat.S_IMODE(token.stat().st_mode) == 0o600


def test_publishing_a_lesson_not_rendered_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["publish", "p2-01-contact-sheet", "--quality", "low", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        f"error: p2-01-contact-sheet is not rendered in {tmp_path / 'low'}; run `vitlessons render "
        "p2-01-contact-sheet --quality low` first"]


def test_a_chapter_key_must_be_text(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[cue]]\nid = "a"\nchapter = 3\ntext = "Words."\n')
    with pytest.raises(UserError, match="cue 'a' has a chapter that is not a short text"):
        load_script(path)
    path.write_text('[[cue]]\nid = "a"\nchapter = "  Two   words "\ntext = "Words."\n')
    assert load_script(path).cues[0].chapter == "Two words"


def test_publish_reads_the_words_the_render_recorded_not_the_script_edited_since(tmp_path):
    lessons, out = make_course(tmp_path)
    lesson = lessons[0]
    script = load_script(lesson.narration_file)
    manifest_path = out / "low" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest[lesson.id]["cues"] = [{**t, "text": c.text, "chapter": c.chapter} for t, c in zip(CUES, script.cues)]
    manifest_path.write_text(json.dumps(manifest))
    # An edit after the render: a chapter renamed and a sentence changed, which the video does not have.
    lesson.narration_file.write_text(lesson.narration_file.read_text().replace("Why patches", "Renamed since")
                                     .replace("a transformer reads a list", "something else"))
    entry = json.loads(manifest_path.read_text())[lesson.id]
    recorded, chapters_ = publish.lesson_chapters(lesson, entry)
    assert [ch.title for ch in chapters_][0] == "Why patches"
    assert "a transformer reads a list" in recorded.cues[0].text
