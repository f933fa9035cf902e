"""Uploading published lessons to YouTube (Data API v3), resumably and at most once.

Sign-in is Google's OAuth flow for installed apps: the first `--upload` opens a browser; the token it returns
is stored outside the repository (by default ~/.config/vitlessons/youtube-token.json) readable by the user
only, and never printed or logged. What is on YouTube is remembered in publish/youtube.json after every
step, so a run that stopped half-way (a lost connection, the daily quota) resumes where it stopped and never
uploads a lesson twice.

The steps for each lesson, in course order: videos.insert (resumable) -> thumbnails.set -> captions.insert
-> playlistItems.insert; at the end, videos.update for descriptions whose previous/next links gained a video
id in this run. A dry run goes through exactly the same steps with a recorder in place of the API.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import time
from pathlib import Path

from render import metadata
from scenes.common.words import language_name, publish_text
from scenes.course import ROOT
from vitmath.errors import UserError
from vitmath.sources import file_digest

SCOPES = ["https://www.googleapis.com/auth/youtube.upload",
          "https://www.googleapis.com/auth/youtube.force-ssl"]  # captions and playlists need force-ssl
CHUNK = 8 * 1024 * 1024  # resumable chunks must be multiples of 256 KiB
MAX_RETRIES = 8
MAX_DELAY = 64.0
RETRIABLE_STATUS = {500, 502, 503, 504}
PRIVACY = ("private", "unlisted", "public")
# Patched by the tests, which must never sleep.
_sleep = time.sleep
_random = random.random


# ------------------------------------------------------------------------------------------ sign-in

def config_dir() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "vitlessons"


def token_path() -> Path:
    return Path(os.environ.get("VITLESSONS_YOUTUBE_TOKEN") or config_dir() / "youtube-token.json")


def client_secrets_path(given: str | None) -> Path:
    return Path(given or os.environ.get("VITLESSONS_YOUTUBE_CLIENT_SECRETS") or config_dir() / "client_secret.json")


def _outside_repo(path: Path) -> Path:
    path = path.expanduser().resolve()
    if path == ROOT or ROOT in path.parents:
        raise UserError(f"the YouTube token must be stored outside the repository, not at {path}; "
                        "set VITLESSONS_YOUTUBE_TOKEN to a path in your home folder")
    return path


def save_token(credentials, path: Path) -> None:
    """Write the token readable and writable by the user only (0600), atomically, in a 0700 folder."""
    path = _outside_repo(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    part = path.with_name(f".{path.name}.part{os.getpid()}")
    fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(credentials.to_json())
        os.chmod(part, 0o600)
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def _revoked(path: Path) -> UserError:
    return UserError(f"YouTube refused the stored sign-in (expired or revoked); delete {path} and run again "
                     "to sign in")


def _transport():
    import httplib2

    return httplib2.Http(timeout=120)


def load_credentials(token: Path, secrets: Path):
    """The stored sign-in, refreshed if needed; the browser flow only when there is none."""
    from google.auth.exceptions import RefreshError
    from google.oauth2.credentials import Credentials
    from google_auth_httplib2 import Request

    token = _outside_repo(token)
    creds = None
    if token.is_file():
        if token.stat().st_mode & 0o077:
            os.chmod(token, 0o600)  # someone widened it; a token is a password
        try:
            creds = Credentials.from_authorized_user_file(str(token), SCOPES)
        except (ValueError, KeyError, json.JSONDecodeError):
            raise UserError(f"{token} is not a stored YouTube sign-in; delete it and run again") from None
    if creds is not None and creds.valid:
        return creds
    if creds is not None and creds.refresh_token:
        try:
            creds.refresh(Request(_transport()))
        except RefreshError:
            raise _revoked(token) from None
        save_token(creds, token)
        return creds
    if not secrets.is_file():
        raise UserError(f"no YouTube sign-in yet and no OAuth client at {secrets}: create a 'Desktop app' OAuth "
                        "client in the Google Cloud console (YouTube Data API v3 enabled) and pass its JSON with "
                        "--client-secrets")
    from google_auth_oauthlib.flow import InstalledAppFlow

    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(secrets), SCOPES)
    except ValueError as e:
        raise UserError(f"{secrets}: not an OAuth client file ({e})") from None
    creds = flow.run_local_server(port=0, open_browser=True,
                                  success_message="Signed in; you can close this tab and go back to vitlessons.")
    save_token(creds, token)
    return creds


def connect(token: Path, secrets: Path):
    """A YouTube API client that signs its requests; the discovery document ships with the library."""
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build

    creds = load_credentials(token, secrets)
    return build("youtube", "v3", http=AuthorizedHttp(creds, http=_transport()), static_discovery=True,
                 cache_discovery=False)


# ------------------------------------------------------------------------------------------ retries

def _retriable_exceptions():
    import httplib2

    return (httplib2.HttpLib2Error, http.client.HTTPException, ConnectionError, TimeoutError)


def _call(fn, what: str, token: Path):
    """fn() with retries and exponential backoff (with jitter) on 5xx answers and dropped connections."""
    from google.auth.exceptions import RefreshError
    from googleapiclient.errors import HttpError

    for attempt in range(MAX_RETRIES + 1):
        try:
            return fn()
        except RefreshError:
            raise _revoked(token) from None
        except HttpError as e:
            status = e.resp.status
            if status not in RETRIABLE_STATUS:
                raise _explain(e, what, token) from None
            why = f"HTTP {status}"
        except _retriable_exceptions() as e:
            why = f"connection lost ({type(e).__name__})"
        if attempt == MAX_RETRIES:
            raise UserError(f"{what}: gave up after {MAX_RETRIES + 1} tries ({why}); what finished is "
                            "remembered, run again to resume")
        _sleep(min(MAX_DELAY, 2.0 ** attempt) * (0.5 + 0.5 * _random()))
    raise AssertionError("unreachable")


def _explain(e, what: str, token: Path) -> UserError:
    status = e.resp.status
    try:
        errors = json.loads(e.content).get("error", {})
        reason = ",".join(x.get("reason", "") for x in errors.get("errors", [])) or errors.get("status", "")
        message = errors.get("message", "")
    except (ValueError, AttributeError):
        reason, message = "", ""
    if status == 401:
        return _revoked(token)
    if status == 403 and any(r in reason for r in ("quotaExceeded", "uploadLimitExceeded", "rateLimitExceeded")):
        return UserError(f"{what}: YouTube's quota for today is used up ({reason}); what finished is remembered, "
                         "run again tomorrow to resume")
    return UserError(f"{what}: YouTube answered HTTP {status}" + (f" ({reason}: {message})" if reason or message
                                                                    else ""))


# ------------------------------------------------------------------------------------------ the API, real or recorded

class YouTubeApi:
    def __init__(self, service, token: Path, echo=print, chunk: int = CHUNK):
        self.service, self.token, self.echo, self.chunk = service, token, echo, chunk

    def _run(self, request, what):
        return _call(request.execute, what, self.token)

    def insert_video(self, body: dict, path: Path) -> str:
        from googleapiclient.http import MediaFileUpload

        media = MediaFileUpload(str(path), mimetype="video/mp4", chunksize=self.chunk, resumable=True)
        request = self.service.videos().insert(part="snippet,status", body=body, media_body=media)
        response = None
        while response is None:
            status, response = _call(request.next_chunk, f"uploading {path.name}", self.token)
            if status is not None:
                self.echo(f"  {path.name}: {status.progress() * 100:.0f}% sent")
        return response["id"]

    def set_thumbnail(self, video_id: str, path: Path) -> None:
        from googleapiclient.http import MediaFileUpload

        media = MediaFileUpload(str(path), mimetype="image/jpeg")
        self._run(self.service.thumbnails().set(videoId=video_id, media_body=media), f"thumbnail {path.name}")

    def insert_caption(self, body: dict, path: Path) -> str:
        from googleapiclient.http import MediaFileUpload

        media = MediaFileUpload(str(path), mimetype="application/octet-stream")
        return self._run(self.service.captions().insert(part="snippet", body=body, media_body=media),
                         f"captions {path.name}")["id"]

    def insert_playlist(self, body: dict) -> str:
        return self._run(self.service.playlists().insert(part="snippet,status", body=body), "creating the playlist")["id"]

    def insert_playlist_item(self, body: dict) -> str:
        return self._run(self.service.playlistItems().insert(part="snippet", body=body), "adding to the playlist")["id"]

    def update_video(self, body: dict) -> None:
        self._run(self.service.videos().update(part="snippet", body=body), f"updating video {body['id']}")


class DryRun:
    """Records and prints each call with its full body instead of sending it; ids are made up."""

    def __init__(self, echo=print):
        self.echo, self.calls, self._counts = echo, [], {}

    def _new_id(self, kind: str) -> str:
        self._counts[kind] = self._counts.get(kind, 0) + 1
        return f"NEW-{kind}-{self._counts[kind]}"

    def _show(self, call: str, body: dict | None, path: Path | None = None, **params) -> None:
        self.calls.append({"call": call, "params": params, "body": body,
                           "media": None if path is None else {"file": path.name, "bytes": path.stat().st_size}})
        media = f"  {path.name} ({path.stat().st_size / 1e6:.2f} MB)" if path is not None else ""
        extra = "".join(f"  {k}={v}" for k, v in params.items())
        self.echo(f"{call}{extra}{media}")
        if body is not None:
            self.echo("  " + json.dumps(body, indent=2, ensure_ascii=False).replace("\n", "\n  "))

    def insert_video(self, body, path):
        self._show("videos.insert", body, path, part="snippet,status", uploadType="resumable")
        return self._new_id("VIDEO")

    def set_thumbnail(self, video_id, path):
        self._show("thumbnails.set", None, path, videoId=video_id)

    def insert_caption(self, body, path):
        self._show("captions.insert", body, path, part="snippet")
        return self._new_id("CAPTION")

    def insert_playlist(self, body):
        self._show("playlists.insert", body, part="snippet,status")
        return self._new_id("PLAYLIST")

    def insert_playlist_item(self, body):
        self._show("playlistItems.insert", body, part="snippet")
        return self._new_id("ITEM")

    def update_video(self, body):
        self._show("videos.update", body, part="snippet")


# ------------------------------------------------------------------------------------------ the steps

class State:
    """publish/youtube.json: the playlist id and, per lesson, what is on YouTube. Saved after every step."""

    def __init__(self, path: Path, save: bool = True):
        self.path, self.save_enabled = path, save
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            data = {}
        except json.JSONDecodeError:
            raise UserError(f"{path} is damaged; it lists what is already on YouTube, so fix or delete it "
                            "by hand (deleting it uploads every lesson again)") from None
        self.playlist_id: str | None = data.get("playlist_id")
        self.lessons: dict[str, dict] = data.get("lessons", {})

    def video_ids(self) -> dict[str, str]:
        return {k: v["video_id"] for k, v in self.lessons.items() if "video_id" in v}

    def save(self) -> None:
        if not self.save_enabled:
            return
        part = self.path.with_name(f".{self.path.name}.part{os.getpid()}")
        part.write_text(json.dumps({"playlist_id": self.playlist_id, "lessons": self.lessons}, indent=2) + "\n")
        os.replace(part, self.path)


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def run_steps(published, state: State, api, refresh, privacy: str = "private", playlist_id: str | None = None,
              echo=print) -> None:
    """Bring YouTube up to date with `published` (render.publish.Published, course order).

    `refresh(p, video_ids)` gives a lesson's metadata with links to the neighbours already on YouTube.
    """
    if playlist_id:
        state.playlist_id = playlist_id
    for p in published:
        lesson, rec = p.lesson, state.lessons.setdefault(p.lesson.id, {})
        lang = p.meta["language"]  # one playlist per language: each language has its own publish folder
        if "video_id" not in rec:
            meta = refresh(p, state.video_ids())
            body = {"snippet": metadata.snippet(meta),
                    "status": {"privacyStatus": privacy, "selfDeclaredMadeForKids": False, "embeddable": True}}
            rec.update(video_id=api.insert_video(body, p.path("video")), number=lesson.number,
                       source_key=p.meta["source"]["key"],
                       description_sha=_sha(meta["description"]))
            state.save()
            echo(f"{lesson.id}: on YouTube as {metadata.youtube_url(rec['video_id'])} ({privacy})")
        elif rec.get("source_key") != p.meta["source"]["key"]:
            echo(f"{lesson.id}: already on YouTube as {rec['video_id']}; its new render is not uploaded (YouTube "
                 "cannot replace a video's file: delete the video there and its entry in youtube.json to upload "
                 "it again)")
        video_id = rec["video_id"]
        thumb_sha = file_digest(p.path("thumbnail"))
        if rec.get("thumbnail_sha") != thumb_sha:
            api.set_thumbnail(video_id, p.path("thumbnail"))
            rec["thumbnail_sha"] = thumb_sha
            state.save()
        if "caption_id" not in rec:
            body = {"snippet": {"videoId": video_id, "language": lang, "name": language_name(lang),
                                "isDraft": False}}
            rec["caption_id"] = api.insert_caption(body, p.path("captions_srt"))
            state.save()
        if "playlist_item_id" not in rec:
            if state.playlist_id is None:
                state.playlist_id = api.insert_playlist({
                    "snippet": {"title": metadata.course_title(lang), "defaultLanguage": lang,
                                "description": publish_text("playlist_description", lang)},
                    "status": {"privacyStatus": privacy}})
                state.save()
            # Inserting at the count of earlier lessons already listed keeps course order whatever the upload
            # order, and is always a valid position.
            position = sum(1 for r in state.lessons.values()
                           if "playlist_item_id" in r and r.get("number", 0) < lesson.number)
            rec["playlist_item_id"] = api.insert_playlist_item({"snippet": {
                "playlistId": state.playlist_id, "position": position,
                "resourceId": {"kind": "youtube#video", "videoId": video_id}}})
            state.save()
    # A lesson uploaded before its next one has no link to it yet: now every neighbour in this run has an id.
    for p in published:
        rec = state.lessons[p.lesson.id]
        meta = refresh(p, state.video_ids())
        if rec.get("description_sha") != _sha(meta["description"]):
            api.update_video({"id": rec["video_id"], "snippet": metadata.snippet(meta)})
            rec["description_sha"] = _sha(meta["description"])
            state.save()
