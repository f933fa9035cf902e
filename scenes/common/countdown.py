"""A visible countdown: a real pause in the video, for the viewer to think (or to press pause).

    clock = Countdown(5).move_to(...)
    run_countdown(scene, clock)          # plays 5, 4, 3, 2, 1: one second each, no narration

Each second shows its number in the middle of a ring that empties as the second passes, so a viewer sees how
long is left. The scene's clock advances by exactly `seconds`, which a lesson records as a pause.
"""
from __future__ import annotations

from manim import DOWN, TAU, Arc, Circle, FadeIn, FadeOut, Transform, VGroup

from scenes.common import style as S

__all__ = ["Countdown", "run_countdown"]


class Countdown(VGroup):
    """A ring with the seconds left in it and a caption under it ("pause the video to sketch")."""

    def __init__(self, seconds: int = 5, radius: float = 0.75, caption: str | None = "pause now to sketch"):
        if seconds < 1:
            raise ValueError("a countdown needs at least one second")
        self.seconds = int(seconds)
        self.radius = radius
        self.track = Circle(radius=radius).set_stroke(S.MUTED, width=4, opacity=0.4)
        self.ring = self.arc(1.0)
        self.number = S.text(str(self.seconds), S.TITLE, S.ACCENT, mono=True).move_to(self.track)
        parts = [self.track, self.ring, self.number]
        self.caption = None
        if caption:
            self.caption = S.text(caption, S.SMALL, S.MUTED).next_to(self.track, DOWN, buff=0.2)
            parts.append(self.caption)
        super().__init__(*parts)

    def arc(self, fraction: float) -> Arc:
        """The ring's lit part: `fraction` of a full turn, clockwise from the top, around the track's centre."""
        angle = max(fraction, 1e-3) * TAU
        return Arc(radius=self.radius, start_angle=TAU / 4, angle=-angle,
                   arc_center=self.track.get_center()).set_stroke(S.ACCENT, width=6)

    def number_for(self, left: int):
        return S.text(str(left), S.TITLE, S.ACCENT, mono=True).move_to(self.track).match_height(self.number)


def run_countdown(scene, countdown: Countdown) -> float:
    """Show the countdown and play it: one second per number, the ring emptying. Returns the seconds played
    (the pause), so the scene can record it. The countdown stays on screen at its end (fade it yourself)."""
    scene.play(FadeIn(countdown), run_time=0.2)
    n = countdown.seconds
    for left in range(n, 0, -1):
        countdown.number.become(countdown.number_for(left))  # in place: the group keeps one number
        target = countdown.arc((left - 1) / n)
        scene.play(Transform(countdown.ring, target), run_time=1.0 if left > 1 else 0.8)
    scene.play(FadeOut(countdown), run_time=0.2)
    return float(n) + 0.2
