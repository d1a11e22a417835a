"""Progress lines of long runs: bounded in number, with rate and time left; yearly counts."""

from __future__ import annotations

from orchestration.operations.progress import MAX_LINES, Progress, landed_summary, per_year


class _Clock:
    """Seconds that advance only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _lines(total: int, seconds_per_item: float = 0.01) -> list[str]:
    clock = _Clock()
    progress = Progress(total, clock=clock)
    lines = []
    for done in range(1, total + 1):
        clock.now += seconds_per_item
        if line := progress.line(done):
            lines.append(line)
    return lines


def test_a_hundred_thousand_articles_log_at_most_twenty_progress_lines():
    lines = _lines(100_000)
    assert len(lines) == MAX_LINES
    assert lines[-1].startswith("analysed 100000/100000 (100%)")


def test_a_small_pass_logs_every_hundred_and_the_end():
    lines = _lines(250)
    assert [line.split(" (")[0] for line in lines] == [
        "analysed 100/250",
        "analysed 200/250",
        "analysed 250/250",
    ]


def test_a_progress_line_gives_the_rate_and_the_time_left():
    # 10 articles a second: 500 of 10,000 done after 50 s, 950 s (16 min) left.
    [first, *_] = _lines(10_000, seconds_per_item=0.1)
    assert first == "analysed 500/10000 (5%), 10.0/s, about 16 min left"


def test_nothing_to_analyse_logs_nothing():
    assert _lines(0) == []


def test_days_sum_into_their_years_in_order():
    per_day = {"2021-01-01": 2, "2020-12-31": 3, "2020-06-01": 0, "2021-05-05": 1}
    assert per_year(per_day) == {"2020": 3, "2021": 3}
    assert landed_summary(per_day) == ("landed per year: 2020: 3, 2021: 3 (3/4 days with articles)")
