"""The eval's check of denial links: a sample to hand-check, and precision per path."""

from __future__ import annotations

from eval import links
from qa.claims.denials import PATHS

S000 = "000_e5d721c452f0de90"


def test_the_links_of_an_article_name_their_path_and_both_sentences(seed_service):
    got = links.links_of(seed_service, S000)
    assert got and {x["path"] for x in got} <= set(PATHS)
    assert all(x["denial"].article_id == S000 and x["denial"].stance != "asserts"
               and x["assertion"].stance == "asserts" for x in got)
    # The resistance's denial of "the Taliban's claim" answers the Taliban's claims.
    named = [x for x in got if x["path"] == "named side"]
    assert named and all("Taliban" in x["assertion"].side for x in named)


def test_labels_score_per_path_and_count_what_the_rules_dropped(seed_service, tmp_path):
    made = links.links_of(seed_service, S000)
    sample = links.review_text(made[:2], "test")
    answered = sample.replace("answers: \n", "answers: true\n", 1).replace("answers: \n", "answers: false\n")
    gone = f"{S000}@0-5>{S000}@10-20"  # a link no rule makes
    answered += f"  - id: '{gone}'\n    path: close\n    answers: true\n"
    path = tmp_path / "links.yaml"
    path.write_text(answered)
    doc = links.score(seed_service, links.load_labels(path))
    assert doc["kept"] == {"answers": 1, "made": 2, "precision": 0.5}
    assert doc["dropped"] == {"answers": 1, "links": 1}
    assert sum(r["made"] for r in doc["paths"].values()) == 2
    path.write_text("links:\n  - id: x\n    answers: maybe\n")
    try:
        links.load_labels(path)
    except ValueError as exc:
        assert "answers" in str(exc)
    else:
        raise AssertionError("a label that is not true or false must be refused")
