"""Chart texts that stay readable with long Tajik and Russian names (the browser test measures
the drawn boxes: tests/browser/test_chart_labels.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from eoc.i18n import language
from eoc.web.components.capacity_charts import build_wash_chart
from eoc.web.components.chart_text import LABEL_LINE_CHARS, wrap_label
from eoc.web.components.flow_charts import build_arrivals_figure, build_wall_arrivals_figure

GBAO_TG = "Вилояти Мухтори Кӯҳистони Бадахшон (ВМКБ)"


def test_a_long_region_name_is_wrapped_at_spaces_and_escaped():
    lines = wrap_label(GBAO_TG).split("<br>")
    assert " ".join(lines) == GBAO_TG
    assert len(lines) > 1 and all(len(line) <= LABEL_LINE_CHARS for line in lines)
    assert wrap_label("Горно-Бадахшанская автономная") == "Горно-Бадахшанская<br>автономная"
    assert wrap_label("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"


def test_numbers_over_the_bars_have_room_under_the_legend():
    gaps = pd.DataFrame({"adm1_iso": ["TJ-GB", "TJ-KT"], "latrine_gap": [17, 21],
                         "water_point_gap": [5, 6]})  # fmt: skip
    with language("tg"):
        fig = build_wash_chart(gaps, {"TJ-GB": GBAO_TG, "TJ-KT": "Вилояти Хатлон"})
    assert fig.layout.yaxis.range[1] >= 1.15 * 21
    assert fig.layout.xaxis.tickangle == 0
    assert fig.data[0].x[0] == wrap_label(GBAO_TG)


@pytest.fixture
def counts() -> pd.DataFrame:
    days = pd.date_range("2026-11-01", periods=10, freq="D").date
    return pd.DataFrame({
        "day": [d.isoformat() for d in days for _ in range(2)],
        "point_id": ["TJ-BCP-01", "TJ-BCP-03"] * 10,
        "direction": "in", "category": "refugees", "count": 10,
    })  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "tg", "ru"])
def test_dates_under_the_arrivals_are_day_first_without_english_month_names(counts, lang):
    with language(lang):
        for fig in (
            build_arrivals_figure(counts, {}),
            build_wall_arrivals_figure(counts, {"TJ-BCP-01": "Панҷи Поён"}),
        ):
            assert fig.layout.xaxis.tickformat == "%d.%m"


def test_the_wall_draws_one_line_a_point_without_a_title(counts):
    with language("tg"):
        fig = build_wall_arrivals_figure(counts, {"TJ-BCP-01": "Панҷи Поён"})
    assert [trace.name for trace in fig.data] == ["Панҷи Поён", "TJ-BCP-03"]
    assert list(fig.data[0].y) == [10.0] * 10  # the 7-day mean of 10 a day
    assert not fig.layout.title.text


def test_no_counts_say_so_instead_of_bare_axes(counts):
    empty = counts.iloc[0:0]
    with language("ru"):
        for fig in (build_arrivals_figure(empty, {}), build_wall_arrivals_figure(empty, {})):
            assert not fig.data and fig.layout.xaxis.visible is False
            assert fig.layout.annotations[0].text == "Данных мониторинга потоков пока нет."
