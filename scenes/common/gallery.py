"""The kit gallery: one still of each piece, drawn from the embedded model's real trace, with the call that drew
it. `vitlessons gallery DIR` writes the stills and a page (DIR/README.md); scenes/common/kit-gallery/ holds
the committed copy, and tests/test_gallery.py fails when a public piece of the kit has no entry here or the
committed page is not what the entries draw.

Each entry is a function of the trace that returns the piece as a lesson would build it; the page shows the
function's body, so what a writer copies is what drew the still. No lesson imports this module.
"""
from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from manim import DOWN, LEFT, Group, Rectangle, VGroup, tempconfig

from scenes.common import layout as L
from scenes.common import style as S
from scenes.common.attention import AttentionLines, AttentionMatrix
from scenes.common.block_chart import BlockBars
from scenes.common.cards import CaveatNote, CitationCard, Heading, NextLessonFooter, TitleCard, TopKBars, wrapped
from scenes.common.countdown import Countdown
from scenes.common.diagrams import BlockStack, TransformerBlockDiagram
from scenes.common.error_bar_chart import ErrorBarChart, Series
from scenes.common.heatmaps import ColorBar, Heatmap, HeatmapOnPhoto, SmallMultiples
from scenes.common.matrices import MatrixImage, NumericPreview
from scenes.common.photo_grid import PatchSheet, PhotoGrid
from scenes.common.pixel_image import FastCamera, PixelImage
from scenes.common.scatter import ScatterPlot
from scenes.common.table import Table
from scenes.common.tokens import TokenStrip
from scenes.common.vectors import ScaleKey, VectorBar, VectorSum
from scenes.course import LESSONS
from vitmath.files import atomic_path, write_text


@dataclass
class Entry:
    name: str      # the piece, as a lesson imports it
    module: str    # where it lives in scenes/common/
    draw: Callable  # trace -> mobject
    placed: bool = False  # the piece puts itself on the frame (a heading, a footer); others are centred

    @property
    def slug(self) -> str:
        return self.name.lower().replace(" ", "-").replace("(", "").replace(")", "")

    @property
    def call(self) -> str:
        """The body of `draw`: the call that drew the still."""
        lines = inspect.getsource(self.draw).splitlines()
        return textwrap.dedent("\n".join(lines[1:])).replace("return ", "", 1).strip()


def cls_attention(t, block: int):
    """The CLS token's attention over the patches, averaged over heads, as a (grid, grid) map."""
    g = t.dims.grid
    return t.blocks[block].attn[:, 0, 1:].mean(0).reshape(g, g).numpy()


def photo_grid(t):
    return PhotoGrid(t.picture, t.dims.grid, height=5.0)


def patch_sheet(t):
    return PatchSheet(t.patch_pixels, t.dims.grid, height=5.0)


def heatmap_on_photo(t):
    return HeatmapOnPhoto(t.picture, cls_attention(t, -1), label="attention share", height=5.0)


def heatmap(t):
    return Heatmap(cls_attention(t, 0), label="attention share", height=4.5)


def small_multiples(t):
    g, H = t.dims.grid, t.dims.H
    maps = np.stack([[t.blocks[b].attn[h, 0, 1:].reshape(g, g).numpy() for h in range(H)] for b in (0, -1)])
    return SmallMultiples(maps, ["block 1", f"block {t.dims.depth}"], [f"head {h + 1}" for h in range(H)],
                          picture=t.picture, label="attention share", width=L.MAIN.width, height=L.MAIN.height)


def color_bar(t):
    x = t.pos[1:].numpy()
    m = float(np.abs(x).max())
    return ColorBar("coolwarm", -m, m, label="position embedding", height=4.0)


def matrix_image(t):
    return MatrixImage(t.patch_tokens.numpy(), height=4.5, width=5.0, row_label="patches", col_label="D",
                       colorbar=True)


def numeric_preview(t):
    return NumericPreview(t.patch_tokens.numpy())


def attention_matrix(t):
    return AttentionMatrix(t.blocks[0].attn[0].numpy(), height=4.5, log_scale=True)


def attention_lines(t):
    photo = PixelImage(t.picture, height=5.0)
    query = t.dims.N // 2 + t.dims.grid // 2
    return Group(photo, AttentionLines(photo, t.dims.grid, query, t.blocks[3].attn[0, 1 + query, 1:].numpy()))


def token_strip(t):
    return TokenStrip(t.patch_pixels, cls=True, show=(4, 2), position_tags=True, width=L.MAIN.width)


def vector_bar(t):
    return VectorBar(t.patch_tokens[0].numpy(), label="patch 1", width=8.0)


def vector_sum(t):
    return VectorSum(t.patch_tokens[0].numpy(), t.pos[1].numpy(), width=8.0)


def scale_key(t):
    return ScaleKey("coolwarm", -1.0, 1.0, width=2.0)


def transformer_block(t):
    return TransformerBlockDiagram(t.dims, height=5.5, highlight="attn")


def block_stack(t):
    return BlockStack(t.dims, height=5.5, highlight=2)


def block_bars(t):
    norms = [float(b.out[1:].norm(dim=-1).median()) for b in t.blocks]
    return BlockBars(norms, [str(i + 1) for i in range(len(norms))], "median patch norm", x_title="block",
                     width=8.0, height=4.0)


def table(t):
    d = t.dims
    cells = [[S.text(h, S.SMALL, S.MUTED) for h in ("block", "median patch norm", "largest")]]
    cells += [[S.text(str(b + 1), S.SMALL), S.text(f"{float(n.median()):.1f}", S.SMALL, mono=True),
               S.text(f"{float(n.max()):.1f}", S.SMALL, S.ACCENT, mono=True)]
              for b, n in ((b, t.blocks[b].out[1:].norm(dim=-1)) for b in range(0, d.depth, 3))]
    return Table(cells, align="lrr")


def scatter_plot(t):
    x, y = t.patch_tokens.norm(dim=-1).numpy(), t.blocks[-1].out[1:].norm(dim=-1).numpy()
    return ScatterPlot(x, y, "norm after embedding", "norm after the last block", width=6.0, height=4.0)


def error_bar_chart(t):
    xs = [50, 100, 200, 400]
    a = Series("model A", S.BLUE, [0.5, 0.6, 0.7, 0.8], [0.45, 0.55, 0.66, 0.78], [0.55, 0.65, 0.74, 0.82])
    b = Series("model B", S.ACCENT, [0.3, 0.45, 0.6, 0.75], [0.25, 0.4, 0.57, 0.72], [0.35, 0.5, 0.63, 0.78])
    return ErrorBarChart(xs, [a, b], "training images", "test accuracy", width=8.0, height=4.0,
                         y_range=(0.0, 1.0), y_step=0.25)


def top_k_bars(t):
    return TopKBars(t.top5, height=3.0, width=7.0)


def heading(t):
    return Heading(LESSONS[6].title)


def title_card(t):
    return TitleCard(LESSONS[6])


def citation_card(t):
    return CitationCard("Dosovitskiy et al. 2021", "Table 5", "ImageNet top-1 after pre-training")


def caveat_note(t):
    return CaveatNote("attention weights are not an explanation", width=6.0)


def next_lesson_footer(t):
    return NextLessonFooter(LESSONS[7])


def wrapped_text(t):
    return wrapped(LESSONS[13].title, S.BODY, 6.0)


def countdown(t):
    return Countdown(15)


def regions(t):
    named = {"TITLE": L.TITLE, "MAIN": L.MAIN, "FOOTER": L.FOOTER}
    out = VGroup()
    for name, r in named.items():
        box = Rectangle(width=r.width, height=r.height, stroke_color=S.MUTED, stroke_width=2).move_to(r.center)
        out.add(box, S.text(f"layout.{name}", S.SMALL, S.MUTED).move_to(r.center))
    for col in L.MAIN.split(0.4):
        out.add(Rectangle(width=col.width, height=col.height, stroke_color=S.BLUE, stroke_width=1.5)
                .move_to(col.center).scale(0.96))
    out.add(S.text("MAIN.split(0.4)", S.TINY, S.BLUE).move_to(L.MAIN.point(DOWN + LEFT) + [1.4, 0.35, 0]))
    return out


ENTRIES = [
    Entry("PhotoGrid", "photo_grid", photo_grid),
    Entry("PatchSheet", "photo_grid", patch_sheet),
    Entry("HeatmapOnPhoto", "heatmaps", heatmap_on_photo),
    Entry("Heatmap", "heatmaps", heatmap),
    Entry("SmallMultiples", "heatmaps", small_multiples),
    Entry("ColorBar", "heatmaps", color_bar),
    Entry("MatrixImage", "matrices", matrix_image),
    Entry("NumericPreview", "matrices", numeric_preview),
    Entry("AttentionMatrix", "attention", attention_matrix),
    Entry("AttentionLines", "attention", attention_lines),
    Entry("TokenStrip", "tokens", token_strip),
    Entry("VectorBar", "vectors", vector_bar),
    Entry("VectorSum", "vectors", vector_sum),
    Entry("ScaleKey", "vectors", scale_key),
    Entry("TransformerBlockDiagram", "diagrams", transformer_block),
    Entry("BlockStack", "diagrams", block_stack),
    Entry("BlockBars", "block_chart", block_bars),
    Entry("Table", "table", table),
    Entry("ScatterPlot", "scatter", scatter_plot),
    Entry("ErrorBarChart", "error_bar_chart", error_bar_chart),
    Entry("TopKBars", "cards", top_k_bars),
    Entry("Heading", "cards", heading, placed=True),
    Entry("TitleCard", "cards", title_card),
    Entry("CitationCard", "cards", citation_card),
    Entry("CaveatNote", "cards", caveat_note),
    Entry("NextLessonFooter", "cards", next_lesson_footer, placed=True),
    Entry("wrapped", "cards", wrapped_text),
    Entry("Countdown", "countdown", countdown),
    Entry("Region", "layout", regions, placed=True),
]

LOW = {"quality": "low_quality", "disable_caching": True, "verbosity": "WARNING", "progress_bar": "none",
       "preview": False}


def still(mob) -> np.ndarray:
    """The 480p frame of `mob` alone, centred unless it placed itself (a heading, a footer, the regions)."""
    with tempconfig(LOW):
        cam = FastCamera()
        cam.capture_mobjects([mob])
        return np.array(cam.pixel_array)


def write_gallery(out: Path, trace) -> list[Path]:
    """One PNG per entry and README.md in `out`; returns the files written."""
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    page_head = (Path(__file__).with_name("gallery.md")).read_text(encoding="utf-8")
    written, page = [], [page_head.format(model=trace.dims.model_name)]
    for e in ENTRIES:
        mob = e.draw(trace)
        if not e.placed:
            L.FULL.place(mob)
        png = out / f"{e.slug}.png"
        with atomic_path(png, ".png") as tmp:
            Image.fromarray(still(mob)[..., :3]).save(tmp, optimize=True)
        written.append(png)
        page += [f"## {e.name} (`scenes/common/{e.module}.py`)", "", "```python", e.call, "```", "",
                 f"![{e.name}]({png.name})", ""]
    return [*written, write_text(out / "README.md", "\n".join(page))]
