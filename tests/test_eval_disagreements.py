"""The eval's check of the contests across the corpus: recall of a suite's contested points
in the list, precision from hand-checked labels, and the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval import disagreements as dis
from eval.suite import load_suite

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def contests(seed_service):
    return dis.every_contest(dis.in_process(seed_service), size=2)


def test_every_contested_point_of_the_seeds_suite_is_listed(contests):
    suite = load_suite(ROOT / "eval" / "suites" / "seeds.yaml")
    got = dis.recall(suite, contests)
    assert got["points"] >= 5 and got["found"] == got["points"], [
        r for r in got["rows"] if not r["found"]]
    assert got["found_linked"] == got["found"]  # the seeds report each side beside the other
    # A list without the Ghani dates contest misses that point, and only it.
    without = [c for c in contests if not (c["kind"] == "dates" and "Ghani" in c["topic"])]
    missed = [r["point"] for r in dis.recall(suite, without)["rows"] if not r["found"]]
    assert missed and all("ghani" in p.lower() or "fled" in p.lower() or "flee" in p.lower()
                          for p in missed), missed


def test_sides_must_match_not_just_articles(contests):
    """A contest of the right articles whose sides are not the expected ones does not count."""
    from eval.suite import Side

    [dates] = [c for c in contests if c["kind"] == "dates"]
    right = (Side("14", ("004_ccca31a72ddb13aa",), (), ("14",)),
             Side("15", ("001_1534f80bc8e5ddb2",), (), ("15",)))
    wrong = (Side("14", ("004_ccca31a72ddb13aa",), (), ("16",)),
             Side("15", ("001_1534f80bc8e5ddb2",), (), ("15",)))
    assert dis.carries(right, dates)
    assert not dis.carries(wrong, dates)


def test_precision_from_labels_and_the_report(contests, tmp_path):
    review = dis.review_text(dis.sample(contests, 3, seed=1), "seeds")
    assert review.count("  - id: ") == 3 and "real: " in review
    ids = [c["id"] for c in contests]
    labels = tmp_path / "labels.yaml"
    labels.write_text(
        "labels:\n"
        f"  - {{id: '{ids[0]}', real: true, sides_right: true}}\n"
        f"  - {{id: '{ids[1]}', real: true, sides_right: false, note: one side is mixed}}\n"
        f"  - {{id: '{ids[2]}', real: false}}\n"
        "  - {id: '0000000000000000', real: true, sides_right: true}\n", encoding="utf-8")
    p = dis.precision(dis.load_labels(labels), contests)
    assert (p["labelled"], p["right"], p["real"]) == (3, 1, 2)
    linked = [c["id"] for c in contests[:3] if c["linked"]]
    assert p["linked"]["labelled"] == len(linked) and p["linked"]["right"] == int(ids[0] in linked)
    assert p["stale"] == ["0000000000000000"]
    html = dis.to_html({"precision": p, "recall": [], "store": "seeds", "listed": len(contests)})
    assert "1/3 = 0.333" in html and "one side is mixed" in html
    bad = tmp_path / "bad.yaml"
    bad.write_text("labels:\n  - {id: 'x', real: maybe}\n  - {id: 1234, real: true, colour: red}\n",
                   encoding="utf-8")
    with pytest.raises(ValueError) as exc:
        dis.load_labels(bad)
    assert str(exc.value) == (
        f"{bad}: labels[0] (id 'x').real: must be true or false, not 'maybe'; "
        "labels[1] (id '1234').id: must be a contest ID in quotes ('0123abcd...'); "
        "labels[1] (id '1234').sides_right: a real contest needs sides_right: true|false; "
        "labels[1] (id '1234'): unknown key 'colour'")


def test_a_fresh_sample_leaves_out_the_contests_read_before(seed_service, contests, tmp_path):
    from eval.__main__ import main

    read = tmp_path / "read.yaml"
    read.write_text(f"labels:\n  - {{id: '{contests[0]['id']}', real: false}}\n", encoding="utf-8")
    out = tmp_path / "new.yaml"
    store = seed_service.settings.store.data_dir
    assert main(["disagreements", "--store", str(store), "--sample", str(len(contests)),
                 "--seed", "3", "--exclude", str(read), "--out", str(out)]) == 0
    written = out.read_text(encoding="utf-8")
    assert written.count("  - id: ") == len(contests) - 1
    assert contests[0]["id"] not in written and contests[1]["id"] in written
