"""The course, in order: the one registry every command reads.

A lesson's row is its identity: number, id, phase, title, seed minutes and scene class. Everything else of
the lesson lives in one folder, `scenes/<module>/`: `scene.py` defining `scene_class`, `script.toml` (every
word the viewer hears or reads) and, where it computes its own measures from the trace, `facts.py`. The scene
finds its own row (`lesson_of`), so nothing else repeats the id or the title. A lesson with no folder is "not
written"; `check` turns every other mismatch into one line before any render starts.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENES_DIR = ROOT / "scenes"


@dataclass(frozen=True)
class Lesson:
    number: int          # position in the course, 1-based; names the output file
    id: str              # e.g. "p2-01-contact-sheet"
    phase: str
    title: str
    minutes: int | None  # the seed's planned length
    scene_class: str

    @property
    def slug(self) -> str:
        return self.id.split("-", 2)[2] if self.id.startswith("p") else self.id

    @property
    def output_stem(self) -> str:
        return f"{self.number:02d}-{self.slug}"

    @property
    def module(self) -> str:
        return self.id.replace("-", "_")

    @property
    def folder(self) -> Path:
        return SCENES_DIR / self.module

    @property
    def scene_file(self) -> Path:
        return self.folder / "scene.py"

    @property
    def scene_module(self) -> str:
        return f"scenes.{self.module}.scene"

    @property
    def narration_file(self) -> Path:
        from narration.script import script_override

        return script_override(self.id) or self.folder / "script.toml"

    @property
    def written(self) -> bool:
        return self.scene_file.exists() or self.narration_file.exists()

    @property
    def next(self) -> "Lesson | None":
        return LESSONS[self.number] if self.number < len(LESSONS) else None


P1 = "Phase 1 · Why Vision Became Sequence Modeling"
P2 = "Phase 2 · Patch, Embed, Attend by Hand"
P3 = "Phase 3 · ViT vs CNN, Data, Bias, and Hybrids"
P4 = "Phase 4 · Predict and Verify Attention on a Real Photo"
FAQ = "FAQ"

_ROWS = [
    ("p1-01-cnn-locality", P1, "CNNs see locally on purpose, and that's the bug at scale", 6, "CnnLocality"),
    ("p1-02-sixteen-words", P1, "An image is worth 16x16 words, literally", 6, "SixteenWords"),
    ("p1-03-position-embeddings", P1, "Without position embeddings, ViT can't tell top from bottom", 6,
     "PositionEmbeddings"),
    ("p1-04-cls-token", P1, "One token rules them all: the CLS token", 6, "ClsToken"),
    ("p2-01-contact-sheet", P2, "Slice the image like a contact sheet", 7, "ContactSheet"),
    ("p2-02-project-then-add", P2, "Project, then add: patch embedding plus position embedding", 6,
     "ProjectThenAdd"),
    ("p2-03-every-patch-asks", P2, "Every patch asks every patch: 'how related are we?'", 7, "EveryPatchAsks"),
    ("p2-04-twelve-heads", P2, "Twelve heads, twelve different ways to read the image", 6, "TwelveHeads"),
    ("p2-05-stack-the-blocks", P2, "Stack twelve identical blocks and call it a day", 7, "StackTheBlocks"),
    ("p3-01-small-vit-loses", P3, "A small ViT loses to a small CNN on a small dataset", 7, "SmallVitLoses"),
    ("p3-02-choose-your-prior", P3, "Choose your prior: built-in or learned", 7, "ChooseYourPrior"),
    ("p3-03-swin-and-convnext", P3, "Why Swin and ConvNeXt look like a synthesis, not a regression", 7,
     "SwinAndConvNeXt"),
    ("p3-04-mental-map", P3, "A one-page mental map for picking your next backbone", 7, "MentalMap"),
    ("p4-01-predict-and-verify", P4, "Sketch where ViT looks at a cat with a person, then check", 18,
     "PredictAndVerify"),
    ("faq", FAQ, "FAQ: 16x16 words, data hunger, tokens, the CLS token, Swin and ConvNeXt", None, "Faq"),
]

LESSONS: list[Lesson] = [Lesson(i + 1, *row) for i, row in enumerate(_ROWS)]
BY_ID = {lesson.id: lesson for lesson in LESSONS}


def lesson_of(scene_class: type) -> Lesson:
    """The registry row of a Scene class, found by its module and class name."""
    from vitmath.errors import UserError

    # scenes.<module>.scene when imported, <module>.scene or scene.py's folder when Manim loads the file by path
    parts = scene_class.__module__.split(".")
    module = parts[-2] if parts[-1] == "scene" and len(parts) > 1 else parts[-1]
    for lesson in LESSONS:
        if lesson.module == module and lesson.scene_class == scene_class.__name__:
            return lesson
    raise UserError(f"scene {module}.{scene_class.__name__} is not in the course registry (scenes/course.py)")


def check(lesson: Lesson) -> None:
    """One-line UserError if a written lesson's files do not match its registry row."""
    from narration.script import load_script
    from vitmath.errors import UserError

    if not lesson.scene_file.exists():
        raise UserError(f"{lesson.id}: its script exists but its scene {lesson.scene_file.name} does not")
    if not lesson.narration_file.exists():
        raise UserError(f"{lesson.id}: its scene exists but its script {lesson.narration_file} does not")
    if not re.search(rf"^class {re.escape(lesson.scene_class)}\(", lesson.scene_file.read_text(), re.M):
        raise UserError(f"{lesson.id}: {lesson.scene_file.name} defines no class {lesson.scene_class} "
                        "(the registry's scene_class)")
    script = load_script(lesson.narration_file)
    if script.title and script.title != lesson.title:
        raise UserError(f"{lesson.id}: the script's title {script.title!r} differs from the registry's "
                        f"{lesson.title!r}; the title lives in scenes/course.py, drop it from the script")
    script.check_choices(declared_choices(lesson))


def declared_choices(lesson: Lesson) -> dict[str, tuple[str, ...]]:
    """The `CHOICES = {placeholder: (key, ...)}` the lesson's scene and facts declare, read without importing
    them (listing the course must not cost a Manim or torch import)."""
    import ast

    declared = {}
    for path in (lesson.scene_file, lesson.folder / "facts.py"):
        if not path.is_file():
            continue
        for node in ast.parse(path.read_text()).body:
            if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "CHOICES"
                                                     for t in node.targets)):
                declared.update({k: tuple(v) for k, v in ast.literal_eval(node.value).items()})
    return declared


def check_course() -> None:
    """`check` every written lesson, and refuse lesson-like scene files the registry does not know."""
    from vitmath.errors import UserError

    known = {lesson.module for lesson in LESSONS}
    strays = sorted(p.parent.name for p in SCENES_DIR.glob("*/scene.py") if p.parent.name not in known)
    if strays:
        raise UserError(f"scenes/{strays[0]}/ is not in the course registry (scenes/course.py)")
    for lesson in LESSONS:
        if lesson.written:
            check(lesson)


def find(lesson_ids: list[str] | tuple[str, ...]) -> list[Lesson]:
    """The named lessons in course order, or all of them; unknown ids are a UserError."""
    from vitmath.errors import UserError

    if not lesson_ids:
        return list(LESSONS)
    unknown = [i for i in lesson_ids if i not in BY_ID]
    if unknown:
        raise UserError(f"unknown lesson {', '.join(unknown)}; `vitlessons list` shows the ids")
    wanted = set(lesson_ids)
    return [lesson for lesson in LESSONS if lesson.id in wanted]
