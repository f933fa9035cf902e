"""What a viewer's screen may crop: words reaching outside the title-safe area at a cue's end are found, on the
camera's frame as it stands (a lesson may zoom)."""
from manim import LEFT, RIGHT, MathTex, MovingCamera, Text, VGroup

from scenes.common import style as S
from scenes.common.narrated import words_outside_safe_area


def test_words_past_the_safe_area_are_found_and_words_inside_are_not():
    frame = MovingCamera().frame
    inside = Text("inside", font_size=S.SMALL)
    past_right = Text("past the right edge", font_size=S.SMALL).move_to(S.SAFE_RIGHT * RIGHT)
    formula = MathTex("x^2").move_to((S.SAFE_LEFT - 0.2) * RIGHT)
    found = words_outside_safe_area([VGroup(inside, VGroup(past_right)), formula], frame)
    assert len(found) == 2
    assert any("past the right edge" in f for f in found) and any("x^2" in f for f in found)


def test_an_invisible_text_and_a_zoomed_frame_are_taken_as_they_are():
    frame = MovingCamera().frame
    far = Text("far left", font_size=S.SMALL).move_to(12 * LEFT)
    assert words_outside_safe_area([far.copy().set_opacity(0)], frame) == []
    frame.move_to(12 * LEFT)  # the camera follows it there: now on screen
    assert words_outside_safe_area([far], frame) == []
