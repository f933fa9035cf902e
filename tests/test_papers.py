"""The papers' numbers have one home, `vitmath.papers`: every script says them through placeholders, so two
lessons cannot quote the same table differently and a corrected value reaches every lesson that uses it."""
import re

from scenes.common.values import paper_values
from scenes.course import SCENES_DIR
from vitmath import papers


def test_no_script_types_a_paper_number():
    said = {str(v) for v in paper_values().values()}
    assert said == {f"{v:.1f}" for row in papers.VIT_TABLE5.values() for v in row} | {f"{papers.DEIT_B_TOP1:.1f}"}
    scripts = sorted(SCENES_DIR.glob("*/script*.toml"))
    assert len(scripts) >= 15
    for path in scripts:
        text = path.read_text()
        for n in said:
            assert not re.search(rf"(?<![\d.]){re.escape(n)}(?!\d)", text), f"{path.name} types {n}: use its placeholder"


def test_table_5_as_the_paper_prints_it():
    """ViT-L/16 below ViT-B/16 on ImageNet-1k, above it with the larger sets: the lessons' claims rest on it."""
    b16, l16 = papers.VIT_TABLE5["b16"], papers.VIT_TABLE5["l16"]
    assert len(b16) == len(l16) == len(papers.PRETRAIN_IMAGES)
    assert l16[0] < b16[0] and all(l > b for l, b in zip(l16[1:], b16[1:]))
