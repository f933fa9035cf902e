"""`vitlessons`: list, render, preview and check the course.

Every failure a user can cause (an unknown lesson, a bad photo, a wrong weights file, no LaTeX, no voice, an
unwritable folder) ends in one line on stderr and a non-zero exit.
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click

from render.build import QUALITIES
from scenes.common.inputs import DEFAULT_VOICE
from scenes.common.words import lesson_title
from vitmath import env
from vitmath.errors import UserError

DEFAULT_OUT = Path("out")


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


class _Group(click.Group):
    """Turns a UserError from any command into one line and exit status 1."""

    def invoke(self, ctx):
        # SIGTERM (a supervisor, `timeout`, a CI runner) stops a render as Ctrl-C does: the workers are shut
        # down on the way out, and the exit status says which signal it was.
        signal.signal(signal.SIGTERM, _terminated)
        try:
            return super().invoke(ctx)
        except UserError as e:
            _fail(str(e))
        except KeyboardInterrupt as e:
            click.echo("interrupted: finished videos were left as they were; run again to resume", err=True)
            sys.exit(143 if isinstance(e, _Terminated) else 130)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main process is, so every `finally` on the way out runs."""


def _terminated(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: the shutdown itself is not interrupted again
    raise _Terminated()


@click.group(cls=_Group)
@click.version_option(package_name="vitlessons")
def main():
    """Render the course "Understand Vision Transformers (ViT)" from a real pretrained ViT."""


def _inputs_options(f):
    f = click.option("--voice", default=None,
                     help="kokoro | kokoro:VOICE | piper | piper:/voice.onnx | espeak | recorded:/folder | silent "
                          f"[{DEFAULT_VOICE}; for --lang es, kokoro:ef_dora]")(f)
    f = click.option("--lang", default="en", show_default=True,
                     help="The language: a lesson's script.<lang>.toml, its words and voice (en, es).")(f)
    f = click.option("--weights", type=click.Path(dir_okay=False),
                     default=lambda: env.get(env.WEIGHTS),
                     help=f"Local .pth/.safetensors/.npz weights for --model (env {env.WEIGHTS}).")(f)
    f = click.option("--model", default=None, help="A timm ViT name; default: the embedded ViT-Ti/16.")(f)
    f = click.option("--image", type=click.Path(dir_okay=False), default=None,
                     help="The photo to explain; default: the course photo.")(f)
    f = click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT,
                     show_default=True, help="Output folder.")(f)
    return f


QUALITY = click.Choice(list(QUALITIES))


@main.command("list")
@click.option("--quality", type=QUALITY, default="high", show_default=True)
@_inputs_options
def list_cmd(quality, out, image, model, weights, voice, lang):
    """The lessons in order, with their state in OUT."""
    from render.runner import course_states

    for lesson, state in course_states(quality, out, image, model, weights, voice, lang):
        minutes = f"{lesson.minutes} min" if lesson.minutes else "  -   "
        why = f" ({state.why})" if state.why else ""
        click.echo(f"{lesson.number:2d}  {lesson.id:28s} {minutes:>6s}  {state.state}{why}")
        click.echo(f"    {lesson_title(lesson, lang)}")


@main.command()
@click.argument("lessons", nargs=-1)
@click.option("--quality", type=QUALITY, default="high", show_default=True,
              help=", ".join(f"{name} {h}p{fps}" for name, (_, h, fps) in QUALITIES.items()))
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes of the local Dask cluster that draws the cues [cores].")
@click.option("--cluster", default=None, metavar="ADDRESS",
              help="Draw on this Dask scheduler (tcp://host:8786) instead of a local cluster; see --store.")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The folder of pieces, partial movies, traces and speech, which every worker can read and "
                   "write (a shared mount with --cluster) [OUT/.work].")
@click.option("--force", is_flag=True, help="Render even lessons that are up to date.")
@_inputs_options
def render(lessons, quality, jobs, cluster, store, force, out, image, model, weights, voice, lang):
    """Render LESSONS (default: the whole course) to OUT/<quality>/NN-slug.mp4 with captions."""
    from render.runner import render_lessons

    render_lessons(lessons, quality=quality, jobs=jobs or os.cpu_count() or 1, force=force, out=out,
                   image=image, model=model, weights=weights, voice=voice, lang=lang, cluster=cluster,
                   store=store)


@main.command()
@click.argument("lesson")
@click.option("--cue", "cue_id", default=None, help="Render only this cue (ids are in the lesson's script).")
@click.option("--frame", "frame_at", type=float, default=None,
              help="Also write the frame at T seconds (into the clip, with --cue) as PNG.")
@_inputs_options
def preview(lesson, cue_id, frame_at, out, image, model, weights, voice, lang):
    """A fast low-quality render of LESSON, or of one of its cues, and optionally one frame as PNG."""
    from render.mux import frame_png
    from render.runner import preview_cue, render_lessons

    if cue_id is not None:
        video = preview_cue(lesson, cue_id, out=out, image=image, model=model, weights=weights, voice=voice,
                            lang=lang)
    else:
        videos = render_lessons([lesson], quality="low", jobs=1, force=False, out=out, image=image,
                                model=model, weights=weights, voice=voice, lang=lang)
        video = videos[lesson]
    click.echo(str(video))
    if frame_at is not None:
        png = video.with_name(f"{video.stem}-t{frame_at:g}.png")
        try:
            frame_png(video, frame_at, png)
        except ValueError as e:
            raise UserError(f"--frame {frame_at}: {e}") from None
        click.echo(str(png))


@main.command()
@click.argument("lessons", nargs=-1)
@click.option("--quality", type=click.Choice(["low", "medium", "high", "4k"]), default="high", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--upload", is_flag=True, help="Send to YouTube; without it, a dry run shows what would be sent.")
@click.option("--privacy", type=click.Choice(["private", "unlisted", "public"]), default="private",
              show_default=True)
@click.option("--playlist", default=None, help="An existing playlist id to add to (default: create one).")
@click.option("--client-secrets", type=click.Path(dir_okay=False), default=None,
              help="OAuth client JSON for the first sign-in (env VITLESSONS_YOUTUBE_CLIENT_SECRETS).")
@click.option("--lang", default="en", show_default=True, help="Publish the lessons rendered in this language.")
def publish(lessons, quality, out, upload, privacy, playlist, client_secrets, lang):
    """Platform-ready MP4, chapters, thumbnail and metadata per rendered lesson; --upload to YouTube."""
    from render.publish import publish_command

    publish_command(lessons, quality=quality, out=out, upload=upload, privacy=privacy, playlist=playlist,
                    client_secrets=client_secrets, echo=click.echo, lang=lang)


@main.command()
@click.option("--quality", type=click.Choice(["low", "medium", "high", "4k"]), default="high", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the page [OUT/site].")
@click.option("--serve", is_flag=True, help="Then serve it on http://127.0.0.1 (byte ranges for the videos, "
              "WebAssembly for the explorer) until Ctrl-C.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="The port --serve uses.")
def site(quality, out, dest, serve, port):
    """A static course page: the lessons with players, the explorer and the Predict-then-check attention game."""
    from render.site import build_site

    index = build_site(out=out, quality=quality, dest=dest, echo=click.echo)
    if serve:
        from render.serve import serve as serve_folder

        serve_folder(index.parent, port, echo=click.echo)
    else:
        click.echo(f"open {index}  (the explorer runs the model only when served: vitlessons site --serve)")


@main.command("new")
@click.argument("lesson_id")
@click.option("--title", required=True, help="The lesson's title, as its title card and the course page show it.")
@click.option("--phase", default=None, help="Its phase (default: the last lesson's).")
@click.option("--minutes", type=int, default=None, help="Its planned length.")
def new(lesson_id, title, phase, minutes):
    """Start lesson LESSON_ID: a registry row, scenes/<module>/ (scene, script) and a test, rendering at once."""
    from render.new_lesson import new_lesson

    for path in new_lesson(lesson_id, title, phase, minutes):
        click.echo(f"wrote {path}")
    click.echo(f"render it: vitlessons render {lesson_id} --quality low")


@main.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path),
                default=Path("scenes/common/kit-gallery"))
@click.option("--image", type=click.Path(dir_okay=False), default=None, help="The photo; default: the course photo.")
@click.option("--model", default=None, help="A timm ViT name; default: the embedded ViT-Ti/16.")
@click.option("--weights", type=click.Path(dir_okay=False), default=lambda: env.get(env.WEIGHTS))
def gallery(folder, image, model, weights):
    """One still of each kit piece, drawn from the model's trace, and the call that drew it: FOLDER/README.md."""
    import vitmath
    from scenes.common.gallery import write_gallery

    written = write_gallery(folder, vitmath.cached_trace(model, weights, image))
    click.echo(f"wrote {len(written) - 1} stills and {written[-1]}")


@main.command()
@click.option("--quiet", is_flag=True, help="Print only problems.")
def doctor(quiet):
    """Check Cairo/Pango, LaTeX, the voices, the weights and the photo."""
    from render.doctor import run_checks

    problems = 0
    for ok, what, fix in run_checks():
        if ok and quiet:
            continue
        mark = click.style("ok  ", fg="green") if ok else click.style("MISSING", fg="red")
        click.echo(f"{mark} {what}" + ("" if ok else f"\n        fix: {fix}"))
        problems += not ok
    if problems:
        sys.exit(1)


@main.command()
@click.argument("photo", required=False, type=click.Path(dir_okay=False))
@click.option("--model", default=None)
@click.option("--weights", type=click.Path(dir_okay=False), default=lambda: env.get(env.WEIGHTS))
def inspect(photo, model, weights):
    """The model's dimensions and its top-5 on PHOTO (default: the course photo)."""
    import vitmath

    m = vitmath.load_model(model, weights)
    t = vitmath.trace(m, vitmath.load_image(photo or vitmath.DEFAULT_IMAGE, m))
    d = t.dims
    click.echo(f"model   {d.model_name}")
    click.echo(f"dims    D={d.D}  heads={d.H}  head_dim={d.head_dim}  patch={d.P}  grid={d.grid}x{d.grid}"
               f"  tokens={d.N + 1}  depth={d.depth}  classes={d.num_classes}")
    click.echo(f"photo   {photo or vitmath.DEFAULT_IMAGE}")
    for rank, (index, label, prob) in enumerate(t.top5, 1):
        click.echo(f"top-{rank}   {prob:6.3f}  {label}  (class {index})")



@main.group()
def experiment():
    """Small experiments the lessons show, trained here from scratch (cached)."""


@experiment.command("small-data")
@click.option("--seeds", type=click.IntRange(min=1), default=None, help="How many seeds (0, 1, ...) [3].")
@click.option("--sizes", default=None, help="Training-set sizes, comma-separated [50,100,200,500,1000].")
@click.option("--steps", type=click.IntRange(min=1), default=None, help="The most optimiser steps a run takes [600]; smaller training sets take fewer (at least 400).")
@click.option("--tiny", is_flag=True, help="The tests' configuration: seconds, not minutes.")
def small_data(seeds, sizes, steps, tiny):
    """A small ViT vs a small CNN on scikit-learn's digits, at several training-set sizes."""
    from dataclasses import replace

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from vitmath import small_data as sd

    cfg = sd.TINY if tiny else sd.FULL
    if seeds is not None:
        cfg = replace(cfg, seeds=tuple(range(seeds)))
    if sizes is not None:
        try:
            cfg = replace(cfg, sizes=tuple(int(n) for n in sizes.split(",")))
        except ValueError:
            raise UserError(f"--sizes takes whole numbers separated by commas, e.g. 50,100; got {sizes!r}")
    if steps is not None:
        cfg = replace(cfg, steps=steps)
    with Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("runs", total=None)
        result = sd.cached_small_data(cfg, progress=lambda done, total: bar.update(task, completed=done,
                                                                                     total=total))
    click.echo(sd.format_table(result))

if __name__ == "__main__":
    main()
