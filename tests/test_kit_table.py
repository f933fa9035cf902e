"""The kit's Table: columns aligned as asked (numbers by their right edge), one baseline per row, the rule
between the header and the body, and a wrong shape refused."""
import pytest

from scenes.common import style as S
from scenes.common.cards import baseline_y
from scenes.common.table import Table


def cells():
    head = [S.text(h, S.SMALL) for h in ("block", "median patch norm", "largest")]
    body = [[S.text(a, S.SMALL), S.text(b, S.SMALL, mono=True), S.text(c, S.SMALL, mono=True)]
            for a, b, c in (("1", "13.7", "18.0"), ("10", "8.0", "546.1"), ("12", "117.4", "9.9"))]
    return [head, *body]


def test_columns_align_left_or_right_and_rows_share_a_baseline():
    t = Table(cells(), align="lrr")
    for j, side in enumerate("lrr"):
        edges = [c.get_left()[0] if side == "l" else c.get_right()[0] for c in [t.header[j], *t.column(j)]]
        assert max(edges) - min(edges) < 1e-6, (j, edges)
    for row in [t.header, *t.rows]:
        lines = [baseline_y(c) for c in row]
        assert max(lines) - min(lines) < 1e-3
    assert t.header.get_bottom()[1] > t.rule.get_y() > t.rows.get_top()[1]
    tops = [r.get_top()[1] for r in t.rows]
    assert tops == sorted(tops, reverse=True)  # rows go down in order


def test_a_row_of_the_wrong_length_or_a_bad_alignment_is_refused():
    c = cells()
    with pytest.raises(ValueError, match="3 cells"):
        Table([*c, c[1][:2]])
    with pytest.raises(ValueError, match="one 'l' or 'r'"):
        Table(cells(), align="lx")
