"""Phase 2, lesson 1: Slice the image like a contact sheet.

The 224x224 photo is cut into a 14x14 grid of 16x16 patches, the patches are laid out as a contact sheet
numbered in raster order, one patch's 16x16x3 real pixel values become one row of the (196, 768) matrix, and
the same cut is shown as a 16x16 convolution with stride 16. Every picture and number comes from the trace.

    manim -ql scenes/p2_01_contact_sheet.py ContactSheet
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Brace, Create, FadeIn, FadeOut, Group, LaggedStart, Line,
                   MathTex, Rectangle, ReplacementTransform, Square, SurroundingRectangle, VGroup,
                   Write)

from scenes.common import style as S
from scenes.common.narrated import NarratedScene
from scenes.common.patches import conv_check, example_patch, flatten_patch, photo_description
from scenes.common.heatmaps import heatmap_image
from scenes.common.pixel_image import PixelImage


def tinted(rgb: np.ndarray, channel: int) -> np.ndarray:
    """One colour channel of an image, shown in its own colour."""
    out = np.zeros_like(rgb)
    out[..., channel] = rgb[..., channel]
    return out


def channel_tinted(rows: np.ndarray) -> np.ndarray:
    """Flattened patches (N, 3*P*P) as an image: each third of the columns in its channel's colour."""
    per = rows.shape[1] // 3
    rgb = np.zeros(rows.shape + (3,), dtype=np.uint8)
    for k in range(3):
        rgb[:, k * per:(k + 1) * per, k] = rows[:, k * per:(k + 1) * per]
    return rgb


def tex(s: str, size: int = S.BODY, color: str = S.INK) -> MathTex:
    return MathTex(s, font_size=size * 1.25, color=color)


class ContactSheet(NarratedScene):
    def extra_values(self):
        t = self.trace
        self.example, where = example_patch(t, self.inputs.image)
        self.conv = conv_check(self.inputs, t)
        mantissa, exponent = f"{self.conv.max_abs_diff:.1e}".split("e")
        return {
            "example_index": self.example,
            "example_description": where,
            "example_row": self.example // t.dims.grid,
            "example_col": self.example % t.dims.grid,
            "last_row_first": t.dims.N - t.dims.grid,
            "conv_max_diff": f"{mantissa} times ten to the minus {-int(exponent)}",
            "photo_description": photo_description(self.inputs.image),
        }

    def construct(self):
        t = self.trace
        d = t.dims
        self.P, self.G, self.N = d.P, d.grid, d.N
        self.size = int(t.input.shape[-1])
        self.picture = np.asarray(t.picture)
        self.patch_px = np.asarray(t.patch_pixels)
        self.rows = np.stack([flatten_patch(p) for p in self.patch_px])  # (N, 3*P*P): the sequence

        self.hook()
        self.photo()
        self.grid()
        self.lift()
        self.raster()
        self.where()
        self.zoom()
        self.flatten()
        self.matrix()
        self.arithmetic()
        self.conv_view()
        self.conv_equal()
        self.recap()

    # ------------------------------------------------------------------ helpers
    def photo_mob(self, height=5.6):
        return PixelImage(self.picture, height=height)

    def patch_mobs(self, photo: PixelImage) -> Group:
        """196 patch images laid exactly over `photo`, in raster order."""
        side = photo.height / self.G
        top_left = photo.get_corner(UP + LEFT)
        mobs = []
        for i in range(self.N):
            r, c = divmod(i, self.G)
            m = PixelImage(self.patch_px[i], height=side)
            m.move_to(top_left + np.array([(c + 0.5) * side, -(r + 0.5) * side, 0]))
            mobs.append(m)
        return Group(*mobs)

    def sheet_positions(self, side: float, gap: float, center) -> list[np.ndarray]:
        step = side + gap
        origin = np.array(center) + np.array([-(self.G - 1) * step / 2, (self.G - 1) * step / 2, 0])
        return [origin + np.array([c * step, -r * step, 0]) for r, c in (divmod(i, self.G) for i in range(self.N))]

    def clear(self, run_time=0.6):
        if self.mobjects:
            self.play(FadeOut(Group(*self.mobjects)), run_time=run_time)

    # ------------------------------------------------------------------ cues
    def hook(self):
        with self.narrate("hook") as cue:
            card = S.title_card(self.lesson.phase, self.lesson.title)
            self.play(FadeIn(card, shift=0.2 * UP), run_time=cue.share(0.12))
            self.wait(cue.share(0.2))
            self.play(FadeOut(card), run_time=cue.share(0.06))
            photo = self.photo_mob(4.2).move_to(4.0 * LEFT)
            label_grid = S.text("a grid of pixels", S.SMALL, S.MUTED).next_to(photo, DOWN)
            self.play(FadeIn(photo), FadeIn(label_grid), run_time=cue.share(0.08))
            # A teaser of where we are going: a few real patches as a row of tokens.
            picks = [0, 1, 2, 3, 4, self.N - 2, self.N - 1]
            tokens = Group(*[PixelImage(self.patch_px[i], height=0.7) for i in picks])
            tokens.arrange(RIGHT, buff=0.12)
            dots = S.text("…", S.HEADING)
            row = Group(*tokens[:5], dots, *tokens[5:]).arrange(RIGHT, buff=0.15).move_to(2.6 * RIGHT)
            arrow = Arrow(photo.get_right(), row.get_left(), buff=0.3, color=S.ACCENT)
            label_seq = S.text("a sequence of tokens", S.SMALL, S.MUTED).next_to(row, DOWN, buff=0.4)
            self.play(Create(arrow), LaggedStart(*[FadeIn(m, shift=0.2 * RIGHT) for m in row], lag_ratio=0.15),
                      FadeIn(label_seq), run_time=cue.share(0.25))
        self.clear()

    def photo(self):
        with self.narrate("photo") as cue:
            photo = self.photo_mob().move_to(2.0 * LEFT)
            top = Brace(photo, UP, color=S.MUTED)
            top_l = S.text(f"{self.size} px", S.SMALL).next_to(top, UP, buff=0.1)
            left = Brace(photo, LEFT, color=S.MUTED)
            left_l = S.text(f"{self.size} px", S.SMALL).next_to(left, LEFT, buff=0.1)
            self.play(FadeIn(photo), run_time=cue.share(0.1))
            self.play(Create(top), Write(top_l), Create(left), Write(left_l), run_time=cue.share(0.15))
            planes = Group(*[PixelImage(tinted(self.picture, k), height=2.6) for k in range(3)])
            for k, plane in enumerate(planes):
                plane.move_to(np.array([3.2 + 0.45 * k, 1.0 - 0.45 * k, 0]))
            names = VGroup(*[S.text(n, S.SMALL, S.CHANNEL_COLORS[k]) for k, n in enumerate("RGB")])
            for k, name in enumerate(names):
                name.next_to(planes[k], LEFT, buff=0.12).align_to(planes[k], UP)
            self.play(LaggedStart(*[FadeIn(p, shift=0.3 * RIGHT) for p in planes], lag_ratio=0.3),
                      FadeIn(names), run_time=cue.share(0.2))
            total = 3 * self.size * self.size
            count = tex(rf"{self.size} \times {self.size} \times 3 = {total:,}".replace(",", "{,}"))
            count.next_to(planes, DOWN, buff=0.5).set_x(3.7)
            self.play(Write(count), run_time=cue.share(0.15))
        self.photo_group = Group(photo, top, top_l, left, left_l)
        self.play(FadeOut(planes), FadeOut(names), FadeOut(count), run_time=0.5)

    def grid(self):
        photo = self.photo_group[0]
        with self.narrate("grid") as cue:
            side = photo.height / self.G
            ul = photo.get_corner(UP + LEFT)
            lines = VGroup()
            for k in range(1, self.G):
                lines.add(Line(ul + [k * side, 0, 0], ul + [k * side, -photo.height, 0]))
                lines.add(Line(ul + [0, -k * side, 0], ul + [photo.width, -k * side, 0]))
            lines.set_stroke(S.INK, width=1.5, opacity=0.85)
            self.play(LaggedStart(*[Create(line) for line in lines], lag_ratio=0.05), run_time=cue.share(0.3))
            math = VGroup(
                tex(rf"{self.size} \div {self.P} = {self.G}"),
                tex(rf"{self.G} \times {self.G} = {self.N}\ \text{{patches}}"),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.4).move_to(3.6 * RIGHT + 0.8 * UP)
            self.play(Write(math[0]), run_time=cue.share(0.15))
            self.play(Write(math[1]), run_time=cue.share(0.15))
            one = Square(side, color=S.ACCENT, stroke_width=5).move_to(ul + [side / 2, -side / 2, 0])
            one_l = S.text(f"one patch: {self.P} × {self.P} px", S.SMALL, S.ACCENT).next_to(math, DOWN, buff=0.6)
            self.play(Create(one), FadeIn(one_l), run_time=cue.share(0.1))
        self.grid_lines = lines
        self.play(FadeOut(math), FadeOut(one), FadeOut(one_l), FadeOut(Group(*self.photo_group[1:])), run_time=0.5)

    def lift(self):
        photo = self.photo_group[0]
        patches = self.patch_mobs(photo)
        self.add(patches)
        self.remove(photo)
        self.patches = patches
        side, gap = 0.32, 0.12
        targets = self.sheet_positions(side, gap, center=1.6 * LEFT)
        with self.narrate("lift") as cue:
            self.play(FadeOut(self.grid_lines), run_time=cue.share(0.08))
            self.play(LaggedStart(*[m.animate.scale_to_fit_height(side).move_to(p)
                                    for m, p in zip(patches, targets)], lag_ratio=0.01),
                      run_time=cue.share(0.6))
            note = S.text("each patch keeps its own pixels", S.SMALL, S.MUTED).move_to(4.1 * RIGHT)
            self.play(FadeIn(note), run_time=cue.share(0.1))
        self.play(FadeOut(note), run_time=0.3)
        self.sheet_side = side

    def raster(self):
        patches = self.patches
        with self.narrate("raster") as cue:
            numbers = VGroup()
            for i, m in enumerate(patches):
                n = S.text(str(i), 10, S.INK, mono=True)
                n.move_to(m.get_corner(DOWN + RIGHT), aligned_edge=DOWN + RIGHT).shift(0.01 * (UP + LEFT))
                n.add_background_rectangle(color=S.BACKGROUND, opacity=0.75, buff=0.01)
                numbers.add(n)
            # Walk the first two rows patch by patch, then let the rest fill in.
            walker = SurroundingRectangle(patches[0], color=S.ACCENT, buff=0.02, stroke_width=4)
            self.play(Create(walker), FadeIn(numbers[0]), run_time=cue.share(0.05))
            steps = 2 * self.G
            for i in range(1, steps):
                self.play(walker.animate.move_to(patches[i]), FadeIn(numbers[i]),
                          run_time=cue.share(0.3) / steps)
            self.play(LaggedStart(*[FadeIn(n) for n in numbers[steps:]], lag_ratio=0.02),
                      walker.animate.move_to(patches[self.N - 1]), run_time=cue.share(0.2))
            legend = VGroup(
                S.text("raster order", S.BODY, S.ACCENT),
                S.text("left → right, top → bottom", S.SMALL),
                tex(rf"0,\ 1,\ 2,\ \dots,\ {self.N - 1}"),
                S.text(f"{self.N} patches = {self.N} tokens", S.SMALL),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.3).move_to(4.1 * RIGHT)
            self.play(FadeIn(legend, shift=0.2 * LEFT), run_time=cue.share(0.15))
        self.numbers = numbers
        self.play(FadeOut(walker), FadeOut(legend), run_time=0.4)

    def where(self):
        i = self.example
        r, c = divmod(i, self.G)
        patches = self.patches
        with self.narrate("where") as cue:
            box = SurroundingRectangle(patches[i], color=S.ACCENT, buff=0.03, stroke_width=5)
            self.play(Create(box), run_time=cue.share(0.1))
            eqs = VGroup(
                tex(rf"\text{{patch}}\ {i}"),
                tex(rf"\text{{row}} = \lfloor {i} / {self.G} \rfloor = {r}"),
                tex(rf"\text{{column}} = {i} \bmod {self.G} = {c}"),
            ).arrange(DOWN, aligned_edge=LEFT, buff=0.35).move_to(4.3 * RIGHT + 1.2 * UP)
            self.play(Write(eqs), run_time=cue.share(0.35))
            bottom = Group(*patches[self.N - self.G:])
            q_box = SurroundingRectangle(bottom, color=S.BLUE, buff=0.05, stroke_width=3)
            q_l = S.text(f"bottom row: {self.N - self.G} … {self.N - 1}", S.SMALL, S.BLUE)
            q_l.next_to(eqs, DOWN, buff=0.7, aligned_edge=LEFT)
            self.play(Create(q_box), FadeIn(q_l), run_time=cue.share(0.2))
        self.play(FadeOut(eqs), FadeOut(q_box), FadeOut(q_l), FadeOut(box), run_time=0.4)

    def zoom(self):
        i = self.example
        patches = self.patches
        with self.narrate("zoom") as cue:
            big = PixelImage(self.patch_px[i], height=4.8).move_to(3.2 * LEFT + 0.2 * DOWN)
            others = Group(*[m for k, m in enumerate(patches) if k != i], self.numbers)
            self.play(FadeOut(others), ReplacementTransform(patches[i], big), run_time=cue.share(0.25))
            cell = big.height / self.P
            ul = big.get_corner(UP + LEFT)
            lines = VGroup(*[Line(ul + [k * cell, 0, 0], ul + [k * cell, -big.height, 0]) for k in range(1, self.P)],
                           *[Line(ul + [0, -k * cell, 0], ul + [big.width, -k * cell, 0]) for k in range(1, self.P)])
            lines.set_stroke(S.BACKGROUND, width=1.2, opacity=0.6)
            title = S.text(f"patch {i}: {self.P} × {self.P} pixels", S.BODY).next_to(big, UP, buff=0.3)
            self.play(Create(lines), FadeIn(title), run_time=cue.share(0.2))
            # The first pixels of the top row, with their real (R, G, B) values.
            px = self.patch_px[i]
            rows = VGroup()
            for col in range(4):
                rgb = px[0, col]
                swatch = Square(0.35, fill_color="#%02x%02x%02x" % tuple(int(v) for v in rgb), fill_opacity=1,
                                stroke_width=1, stroke_color=S.MUTED)
                vals = S.text(f"({rgb[0]:3d}, {rgb[1]:3d}, {rgb[2]:3d})", S.SMALL, mono=True)
                rows.add(VGroup(swatch, vals).arrange(RIGHT, buff=0.3))
            rows.arrange(DOWN, aligned_edge=LEFT, buff=0.25).move_to(3.6 * RIGHT + 0.6 * UP)
            head = S.text("pixel (row 0, column 0…3) = (R, G, B)", S.SMALL, S.MUTED).next_to(rows, UP, buff=0.35)
            marks = VGroup(*[Square(cell, color=S.ACCENT, stroke_width=3).move_to(ul + [(k + 0.5) * cell,
                                                                                       -0.5 * cell, 0])
                             for k in range(4)])
            self.play(Create(marks), FadeIn(head), LaggedStart(*[FadeIn(r, shift=0.2 * LEFT) for r in rows],
                                                              lag_ratio=0.3), run_time=cue.share(0.35))
        self.big = big
        self.play(FadeOut(VGroup(lines, title, rows, head, marks)), run_time=0.4)

    def flatten(self):
        i = self.example
        px = self.patch_px[i]
        flat = flatten_patch(px)  # channel-major, as the projection reads it
        strip_w = S.SAFE_WIDTH
        with self.narrate("flatten") as cue:
            planes = Group(*[PixelImage(tinted(px, k), height=2.4) for k in range(3)]).arrange(RIGHT, buff=0.5)
            planes.move_to(1.4 * UP)
            self.play(ReplacementTransform(self.big, planes[0]), FadeIn(planes[1]), FadeIn(planes[2]),
                      run_time=cue.share(0.12))
            labels = VGroup(*[S.text(n, S.SMALL, S.CHANNEL_COLORS[k]).next_to(planes[k], UP, buff=0.15)
                              for k, n in enumerate(["red", "green", "blue"])])
            self.play(FadeIn(labels), run_time=cue.share(0.05))
            # Cut each channel plane into its 16 rows and lay all 48 rows end to end.
            cell_w = strip_w / flat.size
            strip_y = -1.4
            row_mobs, moves = [], []
            for k in range(3):
                plane = planes[k]
                row_h = plane.height / self.P
                for r in range(self.P):
                    arr = tinted(px[r:r + 1], k)
                    m = PixelImage(arr, height=row_h, width=plane.width)
                    m.move_to(plane.get_top() + DOWN * (r + 0.5) * row_h)
                    row_mobs.append(m)
                    start = (k * self.P + r) * self.P
                    x = -strip_w / 2 + (start + self.P / 2) * cell_w
                    moves.append(m.animate.stretch_to_fit_width(self.P * cell_w).stretch_to_fit_height(0.5)
                                 .move_to([x, strip_y, 0]))
            self.add(*row_mobs)
            self.remove(*planes)
            self.play(LaggedStart(*moves, lag_ratio=0.03), run_time=cue.share(0.35))
            brace = Brace(Group(*row_mobs), DOWN, color=S.MUTED)
            n_label = tex(rf"{self.P} \times {self.P} \times 3 = {flat.size}\ \text{{numbers}}")
            n_label.next_to(brace, DOWN, buff=0.15)
            values = flat.tolist()
            shown = ", ".join(str(v) for v in values[:6]) + ", …, " + ", ".join(str(v) for v in values[-3:])
            head = S.text(f"[ {shown} ]", S.SMALL, mono=True).next_to(Group(*row_mobs), UP, buff=0.3)
            self.play(Create(brace), Write(n_label), FadeIn(head), run_time=cue.share(0.18))
            norm = tex(r"x \mapsto \frac{x/255 - 0.5}{0.5} \in [-1,\, 1]", S.SMALL, S.MUTED)
            norm.move_to(1.3 * UP)
            # Why channel-major: it is the layout of this model's Conv2d weight (D, 3, P, P) read as rows.
            order = S.corner_note("order of timm's Conv2d weights (C, P, P); the original JAX code "
                                  "flattens (P, P, C): the same numbers, columns permuted")
            self.play(FadeOut(labels), FadeIn(norm), FadeIn(order), run_time=cue.share(0.1))
        self.strip = Group(*row_mobs)
        self.play(FadeOut(VGroup(brace, n_label, head, norm, order)), run_time=0.4)

    def matrix(self):
        i = self.example
        # Every patch flattened the same way, one row each, coloured by channel.
        rows = self.rows
        per = self.P * self.P
        rgb = channel_tinted(rows)
        with self.narrate("matrix") as cue:
            mat = PixelImage(rgb, height=5.0, width=8.6).move_to(1.7 * RIGHT + 0.3 * DOWN)
            row_h = mat.height / self.N
            target_y = mat.get_top()[1] - (i + 0.5) * row_h
            self.play(self.strip.animate.stretch_to_fit_width(mat.width).stretch_to_fit_height(row_h)
                      .move_to([mat.get_x(), target_y, 0]), run_time=cue.share(0.2))
            self.play(FadeIn(mat), run_time=cue.share(0.15))
            self.remove(self.strip)
            marker = Rectangle(width=mat.width + 0.1, height=max(row_h, 0.04), color=S.ACCENT, stroke_width=3)
            marker.move_to([mat.get_x(), target_y, 0])
            left = Brace(mat, LEFT, color=S.MUTED)
            left_l = S.text(f"{self.N} rows (patches)", S.SMALL).next_to(left, LEFT, buff=0.1)
            row_l = S.text(f"row {i}", S.SMALL, S.ACCENT).next_to(left, LEFT, buff=0.1).set_y(target_y)
            top = Brace(mat, UP, color=S.MUTED)
            top_l = S.text(f"{rows.shape[1]} columns: {per} red, {per} green, {per} blue", S.SMALL)
            top_l.next_to(top, UP, buff=0.1)
            self.play(Create(marker), FadeIn(row_l), run_time=cue.share(0.15))
            self.play(Create(left), FadeIn(left_l), Create(top), FadeIn(top_l), run_time=cue.share(0.2))
            shape = tex(rf"({self.N},\ {rows.shape[1]})", S.HEADING, S.ACCENT).next_to(mat, DOWN, buff=0.3)
            self.play(Write(shape), run_time=cue.share(0.12))
        self.matrix_group = Group(mat, marker, row_l, left, left_l, top, top_l)
        self.shape = shape

    def arithmetic(self):
        n, dim = self.rows.shape
        total = n * dim
        with self.narrate("arithmetic") as cue:
            self.play(FadeOut(self.matrix_group), self.shape.animate.move_to(2.2 * UP), run_time=cue.share(0.15))
            fmt = lambda v: f"{v:,}".replace(",", "{,}")  # noqa: E731
            lhs = tex(rf"{n} \times {dim} = {fmt(total)}")
            rhs = tex(rf"{self.size} \times {self.size} \times 3 = {fmt(3 * self.size ** 2)}")
            eq = VGroup(lhs, rhs).arrange(DOWN, buff=0.5).move_to(0.2 * UP)
            self.play(Write(lhs), run_time=cue.share(0.2))
            self.play(Write(rhs), run_time=cue.share(0.2))
            same = total == 3 * self.size ** 2
            verdict = S.text("same numbers, rearranged" if same else "counts differ", S.BODY,
                             S.GREEN if same else S.RED).next_to(eq, DOWN, buff=0.6)
            self.play(FadeIn(verdict, shift=0.2 * UP), run_time=cue.share(0.15))
        self.clear()

    def conv_view(self):
        conv = self.conv
        with self.narrate("conv") as cue:
            photo = self.photo_mob(4.8).move_to(3.3 * LEFT + 0.3 * DOWN)
            layer = S.text(conv.layer, S.SMALL, S.ACCENT, mono=True)
            layer.move_to([0, S.SAFE_TOP - 0.2, 0])
            self.play(FadeIn(photo), FadeIn(layer), run_time=cue.share(0.1))
            side = photo.height / self.G
            ul = photo.get_corner(UP + LEFT)
            window = Square(side, color=S.ACCENT, stroke_width=5).move_to(ul + [side / 2, -side / 2, 0])
            # The right panel: one filter's response at every stride position, filled in as the window visits.
            fmap = np.asarray(conv.feature_map)  # (grid, grid) of filter 0
            out = heatmap_image(fmap, cmap="magma", height=3.6).move_to(3.3 * RIGHT + 0.3 * DOWN)
            cover = VGroup(*[Square(out.height / self.G, stroke_width=0.5, stroke_color=S.MUTED,
                                    fill_color=S.BACKGROUND, fill_opacity=1)
                             .move_to(out.get_corner(UP + LEFT) + [(c + 0.5) * out.height / self.G,
                                                                   -(r + 0.5) * out.height / self.G, 0])
                             for r in range(self.G) for c in range(self.G)])
            out_l = S.text(f"output: {self.G} × {self.G} positions (filter 0 shown)", S.SMALL)
            out_l.next_to(out, DOWN, buff=0.25)
            self.add(out, cover)
            self.play(Create(window), FadeIn(out_l), run_time=cue.share(0.08))
            stride_l = S.text(f"kernel {self.P} × {self.P}, stride {self.P}: no overlap, no gaps", S.SMALL)
            stride_l.next_to(photo, DOWN, buff=0.25).set_x(0)
            self.play(FadeIn(stride_l), run_time=cue.share(0.06))
            # Step the window along the first row one stride at a time, then sweep the rest.
            for c in range(self.G):
                self.play(window.animate.move_to(ul + [(c + 0.5) * side, -side / 2, 0]), FadeOut(cover[c]),
                          run_time=cue.share(0.3) / self.G)
            rest = list(range(self.G, self.N))
            self.play(LaggedStart(*[FadeOut(cover[k]) for k in rest], lag_ratio=0.02),
                      window.animate.move_to(ul + [(self.G - 0.5) * side, -(self.G - 0.5) * side, 0]),
                      run_time=cue.share(0.3))
        self.clear()

    def conv_equal(self):
        conv = self.conv
        D = self.trace.dims.D
        with self.narrate("conv-equal") as cue:
            w = tex(rf"W:\ ({D},\ 3,\ {self.P},\ {self.P}) \;\longrightarrow\; ({D},\ {3 * self.P * self.P})")
            a = tex(r"\mathrm{conv}(x)[:,\, r,\, c]")
            b = tex(rf"= W_{{\text{{flat}}}}\, p_{{{self.G} r + c}} + b")
            eq = VGroup(a, b).arrange(RIGHT, buff=0.2)
            block = VGroup(w, eq).arrange(DOWN, buff=0.6).move_to(1.2 * UP)
            self.play(Write(w), run_time=cue.share(0.25))
            self.play(Write(eq), run_time=cue.share(0.25))
            diff = conv.max_abs_diff
            mant, exp = f"{diff:.1e}".split("e")
            check = tex(rf"\max\,\lvert \mathrm{{conv}} - \mathrm{{matmul}} \rvert = {mant} \times 10^{{{int(exp)}}}",
                        S.BODY, S.GREEN)
            check.next_to(block, DOWN, buff=0.8)
            note = S.text(f"measured on this photo: all {self.N} patches × {D} filters", S.SMALL, S.MUTED)
            note.next_to(check, DOWN, buff=0.3)
            self.play(Write(check), FadeIn(note), run_time=cue.share(0.25))
        self.clear()

    def recap(self):
        with self.narrate("recap") as cue:
            photo = self.photo_mob(2.6)
            sheet = Group(*[PixelImage(self.patch_px[k], height=0.16) for k in range(self.N)])
            for m, p in zip(sheet, self.sheet_positions(0.16, 0.03, (0, 0, 0))):
                m.move_to(p)
            mat = PixelImage(channel_tinted(self.rows), height=2.6, width=2.8)
            steps = Group(photo, sheet, mat).arrange(RIGHT, buff=1.3).move_to(0.6 * UP)
            arrows = VGroup(Arrow(photo.get_right(), sheet.get_left(), color=S.ACCENT),
                            Arrow(sheet.get_right(), mat.get_left(), color=S.ACCENT))
            caps = VGroup(S.text(f"{self.size} × {self.size} × 3", S.SMALL),
                          S.text(f"{self.G} × {self.G} patches, 0 … {self.N - 1}", S.SMALL),
                          S.text(f"({self.N}, {3 * self.P * self.P})", S.SMALL))
            for cap, m in zip(caps, steps):
                cap.next_to(m, DOWN, buff=0.3)
            self.play(FadeIn(photo), FadeIn(caps[0]), run_time=cue.share(0.1))
            self.play(Create(arrows[0]), FadeIn(sheet), FadeIn(caps[1]), run_time=cue.share(0.15))
            self.play(Create(arrows[1]), FadeIn(mat), FadeIn(caps[2]), run_time=cue.share(0.15))
            nxt = S.text(f"Next: project each row to {self.trace.dims.D} numbers, then add position",
                         S.SMALL, S.MUTED).move_to([0, S.SAFE_BOTTOM + 0.4, 0])
            self.play(FadeIn(nxt), run_time=cue.share(0.1))
        self.clear(run_time=1.0)

