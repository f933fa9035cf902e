"""The kit's cards, attention views and block diagram draw what they are given: bar lengths are the
probabilities, the footer names the registry's next lesson, the matrix's pixels are its values through the
colour map, the lines go to the strongest keys, the diagram's labels are the model's widths, and every piece
fits the safe area at its default size."""
from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest
from manim import UP, LEFT, Text, tempconfig

from scenes.course import LESSONS, BY_ID
from scenes.common import layout
from scenes.common.attention import AttentionLines, AttentionMatrix
from scenes.common.cards import (CaveatNote, CitationCard, Heading, NextLessonFooter, TitleCard, TopKBars,
                                 title_lines)
from scenes.common.diagrams import PARTS, BlockStack, TransformerBlockDiagram
from scenes.common.heatmaps import COLORMAPS
from scenes.common.photo_grid import PhotoGrid
from scenes.common.pixel_image import FastCamera, PixelImage

TOP5 = [(282, "tiger cat", 0.3045), (285, "Egyptian cat", 0.1045), (652, "military uniform", 0.0596),
        (281, "tabby", 0.0313), (286, "cougar", 0.0240)]
# Not ViT-Ti's sizes, so a number typed into the diagram instead of read from dims shows up.
FAKE_DIMS = SimpleNamespace(D=384, H=6, head_dim=64, P=16, grid=14, N=196, depth=12)


def said(t: Text) -> str:
    return t.original_text  # Text.text drops the spaces


def texts(mob) -> list[str]:
    """Every string a mobject writes on screen."""
    return [said(m) for m in mob.get_family() if isinstance(m, Text)]


def attention(T: int, seed: int = 0) -> np.ndarray:
    """Row-softmax weights, deliberately not symmetric (a transposed picture would fail)."""
    logits = np.random.default_rng(seed).normal(size=(T, T)) * 2
    w = np.exp(logits)
    return w / w.sum(1, keepdims=True)


def magma(x: float) -> np.ndarray:
    """The course's magma at x in [0, 1], from its stops, independently of the heatmap code."""
    stops = COLORMAPS["magma"]
    pos = np.linspace(0, 1, len(stops))
    return np.rint(np.array([np.interp(x, pos, stops[:, k]) for k in range(3)]) * 255)


# ---------------------------------------------------------------------------------------------------- cards
def test_topk_bars_lengths_are_the_probabilities_and_labels_are_the_input():
    bars = TopKBars(TOP5)
    lengths = np.array([bars.bar_length(k) for k in range(5)])
    probs = np.array([p for _, _, p in TOP5])
    np.testing.assert_allclose(lengths / bars.track_width, probs, rtol=1e-6)  # 100% = the full track
    assert [said(t) for t in bars.labels] == [name for _, name, _ in TOP5]
    assert [said(t) for t in bars.percents] == ["30%", "10%", "6%", "3%", "2%"]
    # the bars start together, so lengths compare by eye
    assert np.ptp([b.get_left()[0] for b in bars.bars]) < 1e-6


def test_citation_and_caveat_say_what_they_are_given():
    card = CitationCard("Dosovitskiy et al. 2021, An Image is Worth 16x16 Words", "Table 5", "ViT-B/16 row")
    written = " ".join(texts(card))
    for part in ("Dosovitskiy et al. 2021, An Image is Worth 16x16 Words", "Table 5", "ViT-B/16 row"):
        assert part in written
    assert layout.FOOTER.contains(CitationCard("Steiner et al. 2022", "Table 3"))
    note = CaveatNote("attention weights are not explanations")
    assert said(note.tag) == "careful:" and "explanations" in " ".join(texts(note))


def test_next_lesson_footer_names_the_registry_next_lesson():
    for here, there in zip(LESSONS, LESSONS[1:]):
        footer = NextLessonFooter(here.id)
        assert footer.next_lesson == there
        assert said(footer.headline) == f"Next: Lesson {there.number} · {there.title}"
    last = NextLessonFooter(LESSONS[-1], "see you")
    assert last.next_lesson is None and "end of the course" in said(last.headline)


def test_title_card_reads_phase_and_title_from_the_registry():
    for lesson in (BY_ID["p2-01-contact-sheet"], LESSONS[-1]):
        card = TitleCard(lesson.id)
        assert said(card.phase) == lesson.phase.upper()
        assert " ".join(said(t) for t in card.title) == lesson.title
        assert said(card.number) == f"Lesson {lesson.number} of {len(LESSONS)}"
        assert layout.FULL.contains(card)
    # The longest title wraps onto two lines of one size instead of shrinking to one small line.
    longest = max(LESSONS, key=lambda lesson: len(lesson.title))
    lines = TitleCard(longest).title
    assert len(lines) == 2 and abs(lines[0].height - title_lines("Ag", 46, 99)[0].height) < 0.3


def test_heading_sits_in_the_title_strip():
    h = Heading("What the model says")
    assert layout.TITLE.contains(h) and abs(h.get_left()[0] - layout.TITLE.left) < 1e-6


# ------------------------------------------------------------------------------------------------ attention
def test_attention_matrix_pixels_are_the_colour_map_of_the_values():
    a = attention(9)
    m = AttentionMatrix(a, height=3.0, label="block 2, head 1")
    assert said(m.shape_label) == "(9, 9)"
    assert m.image.texel_shape == (9, 9)
    vmax = a.max()
    for i, j in [(0, 0), (0, 8), (8, 0), (3, 5), (5, 3), np.unravel_index(a.argmax(), a.shape)]:
        np.testing.assert_allclose(m.image.pixel_array[i, j, :3], magma(a[i, j] / vmax), atol=1)
    assert m.colorbar.vmin == 0 and m.colorbar.vmax == pytest.approx(vmax)
    assert said(m.title) == "block 2, head 1"


def test_attention_matrix_log_scale_spans_whole_decades():
    a = attention(6, seed=1)
    m = AttentionMatrix(a, log_scale=True)
    assert (m.vmin, m.vmax) == (-4.0, 0.0)
    np.testing.assert_allclose(m.image.pixel_array[2, 4, :3], magma((np.log10(a[2, 4]) + 4) / 4), atol=1)


def test_attention_matrix_frame_shows_query_rows_down_and_keys_across():
    """One 480p frame: the picture on screen, not just its array, has row i = query i (not transposed)."""
    a = attention(5, seed=2)
    with tempconfig({"quality": "low_quality", "verbosity": "WARNING"}):
        m = AttentionMatrix(a, height=5.0, colorbar=False, label=None)
        cam = FastCamera()
        cam.capture_mobjects([m])
        frame = np.array(cam.pixel_array)
    h, w = frame.shape[:2]
    for i, j in [(0, 4), (4, 0), (1, 3), (3, 1)]:
        x, y = m.cell_center(i, j)[:2]
        px, py = int(round(w / 2 + x * w / 14.222222)), int(round(h / 2 - y * h / 8))
        np.testing.assert_allclose(frame[py, px, :3], magma(a[i, j] / a.max()), atol=2)


def test_attention_matrix_markers_cover_their_row_and_column():
    m = AttentionMatrix(attention(20), height=4.0)
    row, col = m.row_marker(7), m.col_marker(12)
    assert row.get_bottom()[1] < m.cell_center(7, 0)[1] < row.get_top()[1]
    assert row.width >= m.image.width and col.height >= m.image.height
    assert col.get_left()[0] < m.cell_center(0, 12)[0] < col.get_right()[0]
    assert "CLS" in texts(m.cls_marks)


@pytest.mark.parametrize("use_photo_grid", [False, True])
def test_attention_lines_go_to_the_strongest_keys_with_widths_ordered_as_the_weights(use_photo_grid):
    grid, q, k = 4, 5, 6
    weights = np.random.default_rng(3).dirichlet(np.ones(grid * grid))
    weights[q] = weights.max() + 0.1  # the query attends most to itself: not a line
    picture = np.random.default_rng(4).integers(0, 255, size=(64, 64, 3), dtype=np.uint8)
    if use_photo_grid:
        where = PhotoGrid(picture, grid, height=4.0).shift(LEFT)
        lines = AttentionLines(where, None, q, weights, k=k)
        photo = where.photo
    else:
        where = photo = PixelImage(picture, height=4.0).shift(UP)
        lines = AttentionLines(where, grid, q, weights, k=k)
    expected = [j for j in np.argsort(-weights) if j != q][:k]
    assert lines.keys == expected and len(lines.lines) == k
    assert lines.weights == [pytest.approx(weights[j]) for j in expected]
    assert lines.self_weight == pytest.approx(weights[q])
    widths = [line.get_stroke_width() for line in lines.lines]
    assert all(a > b for a, b in zip(widths, widths[1:]))
    np.testing.assert_allclose(np.array(widths) / widths[0], np.array(lines.weights) / lines.weights[0])
    side = photo.height / grid
    ul = photo.get_corner(UP + LEFT)
    for j, line in zip(expected, lines.lines):
        r, c = divmod(j, grid)
        np.testing.assert_allclose(line.get_end(), ul + [(c + 0.5) * side, -(r + 0.5) * side, 0], atol=1e-6)
        np.testing.assert_allclose(line.get_start(), ul + [(q % grid + 0.5) * side, -(q // grid + 0.5) * side, 0],
                                   atol=1e-6)
    assert [said(t) for t in lines.weight_labels(places=3)] == [f"{w:.3f}" for w in lines.weights]


# ------------------------------------------------------------------------------------------------- diagrams
def test_block_diagram_labels_are_the_dims_numbers():
    block = TransformerBlockDiagram(FAKE_DIMS)
    written = " ".join(texts(block))
    numbers = set(re.findall(r"\d+", written.replace(",", "")))
    assert {"384", "1536", "6", "64", "197", "12"} <= numbers
    assert not {"192", "768", "3"} & numbers  # ViT-Ti's widths would mean a typed number
    assert "MLP" in written and "LayerNorm" in written
    assert {"block 11", "× 12"} <= set(texts(BlockStack(FAKE_DIMS)))


def test_block_diagram_highlights_each_part():
    block = TransformerBlockDiagram(FAKE_DIMS, highlight="attn")
    assert block.highlighted in block.submobjects
    for part in PARTS:
        mark = block.highlight(part)
        target = block.parts[part]
        assert mark.get_left()[0] <= target.get_left()[0] + 1e-6 and mark.get_top()[1] >= target.get_top()[1] - 1e-6
    with pytest.raises(ValueError):
        block.highlight("softmax")


def test_every_piece_fits_the_safe_area_at_its_default_size():
    weights = attention(17)[0, 1:]
    photo = PixelImage(np.zeros((64, 64, 3), np.uint8), height=5.0)
    pieces = {
        "TopKBars": TopKBars(TOP5),
        "CitationCard": CitationCard("Dosovitskiy et al. 2021, An Image is Worth 16x16 Words", "Table 5",
                                     "ImageNet top-1 of ViT-B/16 after JFT pre-training"),
        "CaveatNote": CaveatNote("a softmax score is not a calibrated probability " * 3),
        "NextLessonFooter": NextLessonFooter(LESSONS[4], "where the CLS token comes in"),
        "Heading": Heading("Every patch asks every patch"),
        "TitleCard": TitleCard(max(LESSONS, key=lambda lesson: len(lesson.title))),
        "AttentionMatrix": AttentionMatrix(attention(197)),
        "AttentionMatrix log": AttentionMatrix(attention(197), log_scale=True),
        "AttentionLines": AttentionLines(photo, 4, 0, weights),
        "TransformerBlockDiagram": TransformerBlockDiagram(FAKE_DIMS),
        "BlockStack": BlockStack(FAKE_DIMS),
    }
    outside = [name for name, mob in pieces.items() if not layout.FULL.contains(mob)]
    assert not outside
