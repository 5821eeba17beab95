"""``python -m services.attribution paths``: the ChannelAttribution example file through the
command, heuristics recomputed here from their definitions, and the reader's error messages."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from services.attribution.aggregated import parse_paths
from services.attribution.cli import main
from services.attribution.models import Tally
from shared.errors import BadInput
from tests.mta_paths import Row, mta_file, mta_rows


def run_json(*args: str, stdin: str = "") -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    out = io.StringIO()
    assert main([*args, "--format", "json"], stdin=io.StringIO(stdin), stdout=out) == 0
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def mta_report() -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    return run_json(str(mta_file()))


def by_definition(rows: list[Row], pick: str) -> dict[str, tuple[float, float]]:
    credit: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in rows:
        n = len(row.channels)
        if pick == "first_touch":
            weights = {0: 1.0}
        elif pick == "last_touch":
            weights = {n - 1: 1.0}
        elif pick == "linear":
            weights = dict.fromkeys(range(n), 1 / n)
        else:  # position_based, the 40/20/40 case formula
            weights = {
                i: 1.0 if n == 1 else 0.5 if n == 2 else 0.4 if i in (0, n - 1) else 0.2 / (n - 2)
                for i in range(n)
            }
        for i, weight in weights.items():
            credit[row.channels[i]][0] += row.conversions * weight
            credit[row.channels[i]][1] += row.value * weight
    return {channel: (c, v) for channel, (c, v) in credit.items()}


@pytest.mark.parametrize("model", ["first_touch", "last_touch", "linear", "position_based"])
def test_heuristics_on_the_mta_paths_match_their_definitions(
    mta_report: dict[str, dict[str, dict[str, dict[str, float]]]], model: str
) -> None:
    expected = by_definition(mta_rows(), model)
    for channel, figures in mta_report["models"][model].items():
        assert figures["conversions"] == pytest.approx(expected.get(channel, (0, 0))[0])
        assert figures["value"] == pytest.approx(expected.get(channel, (0, 0))[1])


def test_every_model_adds_up_to_all_conversions_and_value(
    mta_report: dict[str, dict[str, dict[str, dict[str, float]]]],
) -> None:
    rows = mta_rows()
    conversions, value = sum(r.conversions for r in rows), sum(r.value for r in rows)
    assert set(mta_report["models"]) == {
        "first_touch",
        "last_touch",
        "last_non_direct",
        "linear",
        "position_based",
        "markov",
        "markov_global",
        "shapley",
        "shapley_global",
    }
    for model, channels in mta_report["models"].items():
        assert len(channels) == 12, model
        assert sum(c["conversions"] for c in channels.values()) == pytest.approx(conversions), model
        assert sum(c["value"] for c in channels.values()) == pytest.approx(value), model


def test_models_selects_and_semicolon_files_with_decimal_commas_are_read() -> None:
    text = "path;total_conversions;total_conversion_value;total_null\na > b;2;10,5;1\nb;1;4;0\n"
    report = run_json("-", "--models", "last_touch,markov_global", stdin=text)
    assert set(report["models"]) == {"last_touch", "markov_global"}
    assert report["models"]["last_touch"]["b"] == {"conversions": 3.0, "value": 14.5}
    assert report["models"]["last_touch"]["a"] == {"conversions": 0.0, "value": 0.0}


def test_models_that_need_times_are_refused_with_the_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["-", "--models", "linear,time_decay"], stdin=io.StringIO("path,total_conversions\na,1\n")
    )
    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith("error: time_decay cannot run on aggregated paths")
    assert "do not carry" in error


def test_the_table_shows_every_model_and_the_totals() -> None:
    out = io.StringIO()
    text = "path,total_conversions,total_conversion_value,total_null\na > b,2,10,1\nb,1,4,3\n"
    assert main(["-"], stdin=io.StringIO(text), stdout=out) == 0
    table = out.getvalue()
    assert "markov_global" in table
    assert "shapley: exact" in table
    total_line = next(line for line in table.splitlines() if line.startswith("total"))
    assert total_line.split()[1:] == ["3.00"] * 9


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("channels,total_conversions\na,1\n", "missing column 'path'"),
        ("path,total_conversions\na > > b,1\n", "line 2: path 'a > > b' has an empty channel"),
        ("path,total_conversions\na,-1\n", "line 2: total_conversions must be a number >= 0"),
        ("path,total_conversions,total_null\na,1,many\n", "line 2: total_null must be a number"),
        ("path,total_conversions\na > (null),1\n", "line 2: (null) names a state of the Markov"),
    ],
)
def test_bad_files_are_refused_naming_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(BadInput, match=re.escape(message)):
        parse_paths(text.splitlines())


def test_optional_columns_default_to_zero() -> None:
    assert parse_paths(["path,total_conversions", "a > b,3"])[0].outcome == Tally(3.0)


def test_the_service_module_dispatches_the_paths_command(tmp_path: Path) -> None:
    file = tmp_path / "paths.csv"
    file.write_text("path,total_conversions,total_conversion_value\nemail > direct,1,5\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.attribution",
            "paths",
            str(file),
            "--format",
            "json",
            "--models",
            "last_non_direct",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout)["models"]["last_non_direct"]["email"]["value"] == 5.0
