"""The base class of every lesson: real tensors in, narration that paces the animation.

A lesson's `construct` is a sequence of

    with self.narrate("cue-id") as cue:
        self.add(Heading(self.words("heading")))           # words drawn on screen come from the script
        self.play(SomeAnimation, run_time=cue.until("grid"))  # starts when the voice reaches {@grid}
        ...

`narrate` synthesises (or loads from cache) that cue's speech, starts it at the current frame and, when the
block ends, waits out whatever speech is left. So an edited sentence stretches or shrinks its own stretch of
animation only, and the voice is never cut off.

A re-render re-uses every unchanged cue of the last one whole: when the last render's timeline holds the cue
with the same picture key, words and speech, its partial movie files are spliced in and the cue's method is
not run at all, so an edited sentence costs the rendering of its own cue only. Cues start from a clear screen
and build what they show from the trace, which is what makes them independent.

The clock counts whole frames. A freshly rendered animation advances Manim's clock by the frames it wrote,
one served from the partial-movie cache by its exact run time; counting frames ourselves makes both land on
the same frame, so a re-render after an edit keeps voice and picture in sync and unchanged cues keep their
cache hashes.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import numpy as np
from manim import DL, UP, UR, FadeIn, FadeOut, MarkupText, Rectangle, SingleStringMathTex, Text, config
from manim.utils.exceptions import EndSceneEarlyException

import vitmath
from narration.script import load_script
from narration.synth import synthesize_cue
from narration.timeline import CueTiming, Timeline, clause_end, time_at
from vitmath.errors import UserError
from narration.voices import get_voice
from scenes.course import lesson_of
from scenes.common.cards import TitleCard
from scenes.common.inputs import LessonInputs
from scenes.common.pixel_image import FastMovingCameraScene
from scenes.common import style as S
from scenes.common.style import BACKGROUND
from scenes.common.values import narration_values
from scenes.common.words import use_language


HOLD = 0.6  # seconds a cue's finished picture stands still before the cut to the next cue


@dataclass
class Cue:
    id: str
    start: float
    duration: float
    scene: "NarratedScene | None" = None
    segments: list = field(default_factory=list)  # the voice's clauses (start, end, text), cue-relative
    text: str = ""                                # the words spoken
    marks: dict = field(default_factory=dict)     # {@mark} -> its character offset in `text`

    def share(self, fraction: float) -> float:
        """A run time that is this fraction of the cue's speech, at least one frame."""
        return max(fraction * self.duration, 1 / config.frame_rate)

    def at(self, mark: str) -> float:
        """Seconds from the cue's start to the moment the voice reaches `{@mark}`."""
        if mark not in self.marks:
            raise UserError(f"cue '{self.id}': the scene waits for {{@{mark}}} but its text has no such mark "
                            f"(it has: {', '.join(self.marks) or 'none'})")
        return time_at(self.text, self.segments, self.marks[mark])

    def until(self, mark: str) -> float:
        """Wait until the voice reaches `{@mark}`; returns the time left in the clause it begins, the run time
        of an animation that illustrates that phrase (at least one frame). Past the mark already: no wait."""
        t = self.at(mark)
        scene = self.scene
        target = round(t * config.frame_rate) + scene.cue_start_frame
        scene.wait_frames(target - scene.frames)
        return self.clause()

    def time_to(self, mark: str) -> float:
        """Seconds from now until the voice reaches `{@mark}` (one frame if it is there already): the run time
        of an animation that lasts until the next phrase begins."""
        return self._run_until(self.at(mark))

    def clause(self) -> float:
        """The time left in the clause being spoken now: the default run time of what the clause says."""
        now = (self.scene.frames - self.scene.cue_start_frame) / config.frame_rate
        return self._run_until(clause_end(self.segments, now))

    def _run_until(self, t: float) -> float:
        # The next cue cuts to a new picture the moment this cue's voice ends, so a reveal that ran to the end
        # would never be seen finished: motion stops HOLD seconds before the last word.
        now = (self.scene.frames - self.scene.cue_start_frame) / config.frame_rate
        return max(min(t, self.duration - HOLD) - now, 1 / config.frame_rate)


def words_outside_safe_area(mobjects, frame, tolerance: float = 0.02) -> list[str]:
    """The visible texts and formulas among `mobjects` that reach outside the title-safe area of the camera's
    frame (5% in from each edge, the frame as it is now, zoomed or not): what a viewer's screen may crop."""
    scale = frame.width / config.frame_width
    cx, cy = frame.get_center()[:2]
    left, right = cx + scale * S.SAFE_LEFT - tolerance, cx + scale * S.SAFE_RIGHT + tolerance
    bottom, top = cy + scale * S.SAFE_BOTTOM - tolerance, cy + scale * S.SAFE_TOP + tolerance
    found, stack = [], list(mobjects)
    while stack:
        m = stack.pop()
        if not isinstance(m, (Text, MarkupText, SingleStringMathTex)):
            stack.extend(m.submobjects)
            continue
        if max((float(np.max(x.get_fill_opacity())) for x in m.family_members_with_points()), default=0.0) <= 0:
            continue
        (x0, y0, _), (x1, y1, _) = m.get_corner(DL), m.get_corner(UR)
        if x0 < left or x1 > right or y0 < bottom or y1 > top:
            text = getattr(m, "original_text", None) or getattr(m, "tex_string", "") or type(m).__name__
            found.append(f"{text[:60]!r} spans x {x0:.2f}..{x1:.2f}, y {y0:.2f}..{y1:.2f}")
    return found


class NarratedScene(FastMovingCameraScene):
    """A lesson. Its registry row (render/course.py) is found from the class, so the class holds no id."""

    def setup(self):
        self.camera.background_color = BACKGROUND
        self.lesson = lesson_of(type(self))
        self.inputs = LessonInputs.from_env()
        use_language(self.inputs.lang)  # before anything is drawn or a number is written
        self.trace = vitmath.cached_trace(self.inputs.model, self.inputs.weights, self.inputs.image)
        self.values = narration_values(self.trace) | self.extra_values()
        script_file = self.lesson.script_file(self.inputs.lang)
        if not script_file.is_file():
            raise UserError(f"{self.lesson.id} has no script in language '{self.inputs.lang}' "
                            f"({script_file.relative_to(script_file.parents[2])} is missing)")
        self.script = load_script(script_file).fill(self.values)
        self.voice = get_voice(self.inputs.voice)
        if self.inputs.only_cue is not None:
            self.script.cue(self.inputs.only_cue)  # an unknown id is one clear error, before any rendering
        self.screen_words: list[tuple[str | None, str]] = []  # (cue id, words) of all that `words` gave
        self.outside_safe: list[str] = []  # words on screen at a cue's end that leave the safe area (tests)
        self.frames = 0  # whole frames shown so far: the scene's clock
        self.timeline = Timeline(self.lesson.id, self.inputs.voice, config.frame_rate, 0.0,
                                 picture_key=self.inputs.picture_key or "")
        self.kept = self._last_render_cues()  # cue method name -> its timing in the last render

    @property
    def lesson_id(self) -> str:
        return self.lesson.id

    @property
    def dims(self):
        """The model's sizes (D, H, P, grid, N, depth), read from the model."""
        return self.trace.dims

    @property
    def size(self) -> int:
        """The side of the picture the model sees, in pixels."""
        return int(self.trace.input.shape[-1])

    def words(self, name: str, /, **more) -> str:
        """On-screen words from the lesson's script: the current cue's `[cue.screen]` table, then `[screen]`,
        filled from the lesson's values and `more`."""
        words = self.script.words(getattr(self, "cue_id", None), name, **more)
        self.screen_words.append((getattr(self, "cue_id", None), words))  # what tests read of the screen
        return words

    def extra_values(self) -> dict[str, object]:
        """Lesson-specific narration values; each must come from a tensor."""
        return {}

    def cues(self) -> list:
        """The lesson's cue methods, in order; each builds what it shows from the trace."""
        raise NotImplementedError

    def extra_files(self) -> dict[str, object]:
        """Files the lesson publishes beside its video (e.g. a printable cheat sheet): {file name: write},
        where write(path) writes the file. `vitlessons render` puts them next to the video as NN-slug-NAME."""
        return {}

    def segment_keys(self) -> list[str]:
        """A stable key per cue method, in order: its name (and the cues it declares it narrates), and which
        occurrence. Keyed by name, not by place, so inserting a cue leaves every other cue's key, and so its
        reuse, as it was. A render task draws the methods it is given by these keys."""
        seen: dict[str, int] = {}
        keys = []
        for cue in self.cues():
            name = getattr(getattr(cue, "func", cue), "__qualname__", "") + "".join(getattr(cue, "narrates", ()))
            seen[name] = seen.get(name, 0) + 1
            keys.append(f"{name} #{seen[name]}")
        return keys

    def construct(self):
        only = set(json.loads(self.inputs.segments)) if self.inputs.segments is not None else None
        for method, cue in zip(self.segment_keys(), self.cues()):
            if only is not None and method not in only:
                continue  # another task draws it: cues start from a clear screen, so nothing here needs it
            if self._reuse(method):
                continue
            self._segment_cues = getattr(cue, "narrates", None)
            began = (self.frames, self.renderer.num_plays, len(self.timeline.cues))
            try:
                cue()
            except _SkipCue:
                # Previewing another cue: this one stopped at its `narrate` line. Cues start from a clear
                # screen and build from the trace, so nothing later depends on what this one would have drawn.
                self.remove(*self.mobjects)
                continue
            self.clear_screen()
            self._close_segment(method, began)

    def show_title(self, cue: Cue, hold: float = 0.2):
        """The registry's title card, faded in, held for `hold` of the cue's speech, faded out."""
        card = TitleCard(self.lesson)
        self.play(FadeIn(card, shift=0.2 * UP), run_time=cue.share(0.08))
        self.wait(cue.share(hold))
        self.play(FadeOut(card), run_time=cue.share(0.05))

    # ------------------------------------------------------------------ the frame clock
    @property
    def clock(self) -> float:
        return self.frames / config.frame_rate

    def play(self, *args, **kwargs):
        super().play(*args, **kwargs)
        # The frames a fresh render writes for this play: a static wait is frozen for int(d / dt) frames,
        # anything else is sampled at arange(0, d, dt) (Manim's own formulas).
        dt = 1 / config.frame_rate
        frozen = self.is_current_animation_frozen_frame()
        self.frames += int(self.duration / dt) if frozen else len(np.arange(0, self.duration, dt))
        self.renderer.time = self.clock

    def clear_screen(self, run_time: float = 0.5):
        """Fade everything out by fading a background-coloured veil in: one small mobject to animate,
        where a FadeOut of the whole screen deep-copies every mobject on it."""
        if not self.mobjects:
            return
        frame = self.camera.frame
        veil = Rectangle(width=frame.width + 0.1, height=frame.height + 0.1, stroke_width=0,
                         fill_color=BACKGROUND, fill_opacity=1).move_to(frame)
        self.play(FadeIn(veil), run_time=run_time)
        self.remove(*self.mobjects)

    def wait_frames(self, frames: int):
        if frames > 0:
            # Half a frame over: int() of the frozen path then gives exactly `frames`.
            self.wait((frames + 0.5) / config.frame_rate)

    # ------------------------------------------------------------------ cues
    @contextmanager
    def narrate(self, cue_id: str):
        only = self.inputs.only_cue
        if only is not None and cue_id != only:
            if only not in (getattr(self, "_segment_cues", None) or ()):
                raise _SkipCue(cue_id)
            # A method that narrates several cues keeps what it drew between them: build them, skip their frames.
            self.next_section(cue_id, skip_animations=True)
        elif only is not None:
            self.next_section(cue_id)
        audio = synthesize_cue(self.script.cue(cue_id), self.voice)
        signature = self._signature(cue_id, audio)
        start_frame, first_play = self.frames, len(self.renderer.animations_hashes)
        self.cue_start_frame, self.cue_id = start_frame, cue_id
        # The render CLI mixes and normalises the whole track itself; a plain `manim` run gets Manim's mix.
        if audio.wav_path is not None and self.inputs.timeline is None:
            self.add_sound(str(audio.wav_path))
        script_cue = self.script.cue(cue_id)
        yield Cue(cue_id, self.clock, audio.duration, self, list(audio.segments), script_cue.text, script_cue.marks)
        self.cue_id = None
        self.outside_safe += [f"{cue_id}: {what}"
                              for what in words_outside_safe_area(self.mobjects, self.camera.frame)]
        # Computed from frame counts and the speech length alone, so an unchanged cue waits the same frames.
        speech_frames = math.ceil(audio.duration * config.frame_rate - 1e-6)
        self.wait_frames(speech_frames - (self.frames - start_frame))
        self.timeline.cues.append(CueTiming(
            cue_id, start_frame / config.frame_rate, audio.duration,
            str(audio.wav_path) if audio.wav_path else None, [tuple(s) for s in audio.segments],
            self.renderer.animations_hashes[first_play:], signature, text=script_cue.text,
            chapter=script_cue.chapter))
        if cue_id == only:
            raise EndSceneEarlyException()

    # ------------------------------------------------------------------ re-using the last render's cues
    def _last_render_cues(self) -> dict[str, list[CueTiming]]:
        """The cues a render may splice in, by cue method: the last render's (its timeline), or the pieces
        other tasks of this render drew (`kept`)."""
        paths = (self.inputs.kept or self.inputs.timeline or "").split(os.pathsep)
        if not self.inputs.picture_key or self.inputs.only_cue is not None:
            return {}
        kept: dict[str, list[CueTiming]] = {}
        for path in filter(os.path.isfile, paths):
            try:
                last = Timeline.read(path)
            except (ValueError, TypeError, KeyError):
                continue
            if last.picture_key != self.inputs.picture_key or last.fps != config.frame_rate:
                continue
            found: dict[str, list[CueTiming]] = {}
            for c in last.cues:
                if c.method and (c.files or c.method in found):
                    found.setdefault(c.method, []).append(c)
            for method, cues in found.items():  # the first file that holds a method is the one it comes from
                kept.setdefault(method, cues)
        return kept

    def _signature(self, cue_id: str, audio) -> str:
        """The cue's words, spoken and drawn, its speech and the camera it starts from: with the picture key,
        all its picture depends on."""
        cue = self.script.cue(cue_id)
        frame = self.camera.frame
        # The words it draws (its own screen table, the lesson's, the choices) and where its marks fall.
        parts = [cue.id, cue.text, cue.chapter, cue.marks, cue.screen, self.script.screen, self.script.choices,
                 audio.wav_path and os.path.basename(audio.wav_path),
                 round(audio.duration, 6), [round(float(v), 4) for v in (*frame.get_center(), frame.width)]]
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()

    def _reuse(self, method: str) -> bool:
        """Splice in a kept picture of this cue method, if its cues are unchanged and its files are all there."""
        kept = self.kept.get(method)
        ids = {c.id for c in self.script.cues}
        if not kept or self.mobjects or any(c.id not in ids for c in kept):
            return False
        for c in kept:
            if c.signature != self._signature(c.id, synthesize_cue(self.script.cue(c.id), self.voice)):
                return False
        files = [f for c in kept for f in c.files]
        if not all(os.path.isfile(f) for f in files):
            return False
        writer = self.renderer.file_writer
        writer.partial_movie_files.extend(files)
        writer.sections[-1].partial_movie_files.extend(files)
        self.renderer.num_plays += len(files)  # the writer's list stays indexed by play number
        self.renderer.animations_hashes.extend([None] * len(files))
        first = kept[0].start
        for c in kept:
            self.timeline.cues.append(replace(c, start=self.clock + (c.start - first)))
        self.frames += kept[0].frames
        self.renderer.time = self.clock
        return True

    def _close_segment(self, method: str, began: tuple[int, int, int]):
        """Record the frames and partial movies of a cue method that narrated its cues from its first frame,
        up to the end of its clear_screen: what `_reuse` splices in next time. The first of its cues holds
        the method's frames and files; the others name the method, so they are spliced in with it."""
        frame, play, n_cues = began
        cues = self.timeline.cues[n_cues:]
        if not cues or self.inputs.only_cue is not None:
            return
        files = self.renderer.file_writer.partial_movie_files[play:]
        # Files Manim named by play number rather than by content ("uncached_…") may be another play's next time.
        named_by_content = all(f is not None and not os.path.basename(f).startswith("uncached_") for f in files)
        if frame == round(cues[0].start * config.frame_rate) and files and named_by_content:
            cues[0].frames, cues[0].files = self.frames - frame, list(files)
            for c in cues:
                c.method = method

    def tear_down(self):
        if self.inputs.only_cue is None and self.inputs.segments is None:
            self.script.check_all_used([c.id for c in self.timeline.cues])
        if self.inputs.timeline:
            self.timeline.duration = self.clock
            self.timeline.write(self.inputs.timeline)


class _SkipCue(Exception):
    """Raised at `narrate` for a cue that a preview of another cue does not need."""

