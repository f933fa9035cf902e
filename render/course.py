"""The course, in order: the one registry every command reads.

A lesson's scene is `scenes/<module>.py` with the Manim Scene class `scene_class`; its narration is
`narration/<id>.toml`. A lesson whose scene module does not exist yet is listed as such and cannot be
rendered.
"""
from __future__ import annotations

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
    def scene_file(self) -> Path:
        return SCENES_DIR / f"{self.module}.py"

    @property
    def narration_file(self) -> Path:
        from narration.script import scripts_dir

        return scripts_dir() / f"{self.id}.toml"

    @property
    def written(self) -> bool:
        return self.scene_file.exists() and self.narration_file.exists()


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
