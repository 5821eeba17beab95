"""``python -m services.attribution paths FILE``: every model over a file of aggregated paths."""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from services.attribution.aggregated import (
    FITTED_REPORTS,
    PathReport,
    attribute_paths,
    parse_paths,
)
from services.attribution.models import PATH_MODELS, Markov, PathModel, Shapley, path_model
from shared.errors import BadInput

REPORTS = (*PATH_MODELS, *FITTED_REPORTS)
DEFAULT_REPORTS = tuple(
    name for name in REPORTS if name not in PATH_MODELS or not PATH_MODELS[name].needs_times
)

DESCRIPTION = f"""\
Attribute a file of aggregated paths (ChannelAttribution's and GA's export layout: columns path,
total_conversions, total_conversion_value, total_null; comma or semicolon separated; .gz read as
gzip; - for standard input) with every model, printing conversions and value per channel.
Fitted models show both allocations: per conversion (markov, shapley) and global (markov_global,
shapley_global). Aggregated paths carry no times, so time_decay, w_shaped and full_path are
refused. Models: {", ".join(REPORTS)}; default: every one but those three."""


def parser() -> argparse.ArgumentParser:
    command = argparse.ArgumentParser(
        prog="python -m services.attribution paths", description=DESCRIPTION
    )
    command.add_argument("file", help="the paths file, or - for standard input")
    command.add_argument("--models", default=",".join(DEFAULT_REPORTS), help="comma-separated")
    command.add_argument("--format", choices=("table", "json"), default="table")
    command.add_argument("--order", type=int, default=1, help="Markov order (k-gram states)")
    command.add_argument("--direct", action="append", help="a direct channel (default: direct)")
    command.add_argument("--first", type=float, default=0.4, help="position_based first share")
    command.add_argument("--last", type=float, default=0.4, help="position_based last share")
    command.add_argument("--shapley-exact-limit", type=int, default=15, help="channels")
    command.add_argument("--shapley-orderings", type=int, default=1000, help="above the limit")
    command.add_argument("--seed", type=int, default=0, help="of the Shapley orderings")
    return command


def main(argv: Sequence[str], *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    args = parser().parse_args(argv)
    try:
        report = run(args, stdin=stdin)
    except BadInput as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    stdout.write(as_json(report) if args.format == "json" else as_table(report))
    return 0


def run(args: argparse.Namespace, *, stdin: TextIO) -> PathReport:
    names = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = [name for name in names if name not in REPORTS]
    if unknown or not names:
        raise BadInput(
            f"unknown model {unknown[0] if unknown else '(none)'!r}; known: {', '.join(REPORTS)}"
        )
    direct = tuple(args.direct or ("direct",))
    models: dict[str, PathModel] = {
        name: path_model(name, _params(name, direct=direct, first=args.first, last=args.last))
        for name in PATH_MODELS
        if name in names
    }
    markov = Markov(order=args.order)
    shapley = Shapley(
        exact_limit=args.shapley_exact_limit, orderings=args.shapley_orderings, seed=args.seed
    )
    paths = parse_paths(_lines(args.file, stdin=stdin))
    return attribute_paths(paths, names, path_models=models, markov=markov, shapley=shapley)


def _params(name: str, *, direct: tuple[str, ...], first: float, last: float) -> dict[str, object]:
    if name == "last_non_direct":
        return {"direct": direct}
    if name == "position_based":
        return {"first": first, "last": last}
    return {}


def _lines(file: str, *, stdin: TextIO) -> list[str]:
    if file == "-":
        return stdin.read().splitlines()
    if file.endswith(".gz"):
        with gzip.open(file, "rt", encoding="utf-8-sig", newline="") as handle:
            return handle.read().splitlines()
    with open(file, encoding="utf-8-sig", newline="") as handle:
        return handle.read().splitlines()


def as_json(report: PathReport) -> str:
    body: dict[str, object] = {
        "models": {
            model: {
                channel: {"conversions": share.conversions, "value": share.value}
                for channel, share in allocation.items()
            }
            for model, allocation in report.models.items()
        }
    }
    if report.markov is not None:
        body["markov"] = {
            "order": report.markov.order,
            "conversion_probability": report.markov.conversion_probability,
            "removal_effects": report.markov.removal_effects,
            "value_removal_effects": report.markov.value_removal_effects,
        }
    if report.shapley is not None:
        body["shapley"] = {
            "exact": report.shapley.exact,
            "orderings": report.shapley.orderings,
            "values": report.shapley.values,
            "standard_errors": report.shapley.standard_errors,
        }
    return json.dumps(body, indent=2) + "\n"


def as_table(report: PathReport) -> str:
    out = io.StringIO()
    models = list(report.models)
    channels = sorted({channel for allocation in report.models.values() for channel in allocation})
    width = max([len("channel"), *map(len, channels)])
    for title, pick in (("conversions", 0), ("value", 1)):
        out.write(f"{title}\n{'channel':<{width}}" + "".join(f" {m:>15}" for m in models) + "\n")
        for channel in [*channels, "total"]:
            cells = [_cell(report, model, channel, pick) for model in models]
            out.write(f"{channel:<{width}}" + "".join(f" {cell:>15,.2f}" for cell in cells) + "\n")
        out.write("\n")
    out.write(_notes(report))
    return out.getvalue()


def _cell(report: PathReport, model: str, channel: str, pick: int) -> float:
    allocation = report.models[model]
    shares = allocation.values() if channel == "total" else [allocation[channel]]
    return sum(share.conversions if pick == 0 else share.value for share in shares)


def _notes(report: PathReport) -> str:
    lines = []
    if report.markov is not None:
        lines.append(
            f"markov: order {report.markov.order}, solved exactly; "
            f"P(conversion) = {report.markov.conversion_probability:.6f}"
        )
    if report.shapley is not None and report.shapley.exact:
        lines.append("shapley: exact, every coalition of channels enumerated")
    elif report.shapley is not None:
        errors = report.shapley.standard_errors
        worst = max(errors, key=errors.__getitem__)
        lines.append(
            f"shapley: {report.shapley.orderings} sampled orderings of the channels; largest "
            f"standard error {errors[worst]:.4f} conversions ({worst})"
        )
    return "".join(f"{line}\n" for line in lines)
