"""Follow-up rewriting (the rule in qa/chat/rewrite.py, as a table) and server-side sessions."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from qa.chat import SessionStore, entities, rewrite, topic
from qa.errors import BadRequest, NotFound


def asked(*questions: str) -> list[dict]:
    """A history of user questions, each followed by an assistant turn (which is ignored)."""
    turns = []
    for q in questions:
        turns += [{"role": "user", "content": q}, {"role": "assistant", "content": "An answer."}]
    return turns


REWRITES = [
    # (earlier questions, follow-up, standalone question)
    # No history: nothing to resolve against.
    ((), "what about him?", "what about him?"),
    # A question with its own entities and nothing pointing back stays as it is.
    (("Did the Taliban take control of Panjshir?",), "Who is Fahim Dashti?", "Who is Fahim Dashti?"),
    (("Did the Taliban take control of Panjshir?",), "Did the Taliban say that they won?",
     "Did the Taliban say that they won?"),
    # A connective and no link to the context: the topic is carried over.
    (("Did the Taliban take control of Panjshir?",), "and what did the resistance say?",
     "What did the resistance say about the Taliban take control of Panjshir?"),
    # A bare reporting verb takes what the context was "about".
    (("What did Zabihullah Mujahid say about Panjshir?",), "What did Fahim Dashti say?",
     "What did Fahim Dashti say about Panjshir?"),
    # Events: the pronoun stands for the context's topic.
    (("Did the Taliban take control of Panjshir?",), "when did that happen?",
     "When did the Taliban take control of Panjshir?"),
    (("Did the Taliban take control of Panjshir?", "and what did the resistance say?"),
     "when did that happen?", "When did the Taliban take control of Panjshir?"),
    # Ellipsis: the new entity replaces the context entity of its kind.
    (("What did the Taliban say about Panjshir?",), "what about the resistance?",
     "What did the resistance say about Panjshir?"),
    (("Did the Taliban take control of Panjshir?",), "and Andarab?",
     "Did the Taliban take control of Andarab?"),
    (("What did Fahim Dashti say about the ceasefire?",), "What about Zabihullah Mujahid?",
     "What did Zabihullah Mujahid say about the ceasefire?"),
    # "him" is the latest person named in an earlier question.
    (("Who is Fahim Dashti?", "What did the Taliban say about Panjshir?"), "what about him?",
     "What did Fahim Dashti say about Panjshir?"),
    # Pronouns.
    (("What did the Taliban claim about Panjshir?",), "and what did they say about Andarab?",
     "What did the Taliban say about Andarab?"),
    (("Did the Taliban take control of Panjshir?",), "what were their losses?",
     "What were the Taliban's losses?"),
    (("What did Ahmad Massoud say about the Taliban?",), "what did his spokesman say?",
     "What did Ahmad Massoud's spokesman say about the Taliban?"),
    (("Did the Taliban take control of Panjshir?",), "How many people died there?",
     "How many people died in Panjshir?"),
    (("Did the Taliban take control of Panjshir?",), "who denied it?",
     "Who denied that the Taliban take control of Panjshir?"),
]


@pytest.mark.parametrize("earlier, follow_up, standalone", REWRITES)
def test_follow_ups_become_standalone_questions(earlier, follow_up, standalone):
    assert rewrite(follow_up, asked(*earlier)) == standalone


def test_only_user_turns_give_context():
    history = [{"role": "assistant", "content": "Ahmad Massoud leads the resistance."},
               {"role": "user", "content": "Did the Taliban take control of Panjshir?"},
               {"role": "system", "content": "ignore"}, "not a turn", {"role": "user"}]
    assert rewrite("when did that happen?", history) == \
        "When did the Taliban take control of Panjshir?"


def test_standalone_questions_are_fixed_points():
    """A rewritten question rewritten again (as sessions store it) does not change."""
    for earlier, follow_up, _ in REWRITES:
        once = rewrite(follow_up, asked(*earlier))
        assert rewrite(once, asked(*earlier, once)) == once


def test_follow_ups_made_only_of_pronouns_do_not_grow_the_question():
    """Each earlier "they them their" used to multiply the rewrite by 3-4 (13 turns: 6.4 MB):
    a pronoun stood for a run of names that earlier substitutions had made."""
    for first in ("What did Ahmad Massoud say about the Taliban?", "they them their",
                  "What did the Taliban say about Panjshir?"):
        lengths = [len(rewrite("they them their", asked(first, *["they them their"] * n)))
                   for n in (1, 2, 3, 6, 9)]
        assert max(lengths) < 120, (first, lengths)
        assert lengths[-1] == lengths[1], (first, lengths)  # the same after 2 turns as after 9


def test_a_capitalised_pronoun_is_not_a_name():
    assert entities("They said it was over. There were 40 dead.") == []
    assert rewrite("They them their?", asked("What did the Taliban say?")) == \
        "The Taliban the Taliban the Taliban's?"


CHAINS = [
    ("Did the Taliban take control of Panjshir?", "and what did the resistance say?",
     "when did that happen?", "what about Andarab?", "who denied it?", "what did they say?",
     "and Kabul?", "How many people died there?", "why did it start?", "what did they claim?"),
    ("What did Ahmad Massoud say about the Taliban?", "what did his spokesman say?",
     "what about him?", "and what did they say about it?", "when did that happen?") * 3,
]


@pytest.mark.parametrize("chain", CHAINS, ids=["places", "people"])
def test_a_standalone_question_is_never_longer_than_the_limit(chain):
    for limit in (60, 120, 2000):
        history: list[str] = []
        for q in chain:
            standalone = rewrite(q, asked(*history), limit=limit)
            assert len(standalone) <= limit, (limit, q, standalone)
            history.append(q)


def test_an_earlier_turn_longer_than_the_limit_gives_no_context():
    long_turn = "Did the Taliban take control of Panjshir " + "and Andarab " * 20 + "?"
    assert rewrite("when did that happen?", asked(long_turn), limit=100) == "when did that happen?"
    assert rewrite("when did that happen?", asked(long_turn), limit=1000).startswith(
        "When did the Taliban take control of Panjshir and Andarab")


def test_entities_tell_people_from_groups_and_places():
    found = entities("What did the National Resistance Front and Ahmad Massoud say to the "
                     "resistance in Panjshir Valley?")
    assert [(e.text, e.person) for e in found] == [
        ("the National Resistance Front", False), ("Ahmad Massoud", True),
        ("the resistance", False), ("Panjshir Valley", False)]


def test_topic_is_what_the_question_is_about():
    assert topic("Did the Taliban take control of Panjshir?") == "the Taliban take control of Panjshir"
    assert topic("What did the resistance say about the ceasefire talks?") == "the ceasefire talks"
    assert topic("How many fighters did the Taliban lose?") == "the Taliban lose"


# --- sessions ----------------------------------------------------------------------------------
def test_a_session_keeps_its_turns_in_order_as_asked(tmp_path):
    """History gives the questions as asked (follow-ups are rewritten from those, never from
    an earlier rewrite); the standalone question is kept beside each one."""
    store = SessionStore(tmp_path / "s.sqlite3", ttl_s=3600)
    sid = store.create()
    store.append(sid, "Did the Taliban take control of Panjshir?",
                 "Did the Taliban take control of Panjshir?", "They say so [a].")
    store.append(sid, "when did that happen?", "When did the Taliban take control of Panjshir?",
                 "On Monday [b].")
    assert store.history(sid) == [
        {"role": "user", "content": "Did the Taliban take control of Panjshir?"},
        {"role": "assistant", "content": "They say so [a]."},
        {"role": "user", "content": "when did that happen?"},
        {"role": "assistant", "content": "On Monday [b]."},
    ]
    assert store.history(sid, turns=1) == store.history(sid)[2:]
    with sqlite3.connect(tmp_path / "s.sqlite3") as db:
        assert db.execute("SELECT standalone FROM turns WHERE role = 'user' ORDER BY seq").fetchall() \
            == [("Did the Taliban take control of Panjshir?",),
                ("When did the Taliban take control of Panjshir?",)]
    # Rewritten again from what was asked, the conversation means what it meant.
    assert rewrite("who denied it?", store.history(sid)) == \
        "Who denied that the Taliban take control of Panjshir?"


def test_sessions_are_shared_through_the_file(tmp_path):
    """Two stores on one file stand for two gunicorn workers."""
    a, b = SessionStore(tmp_path / "s.sqlite3", 3600), SessionStore(tmp_path / "s.sqlite3", 3600)
    sid = a.create()
    a.append(sid, "q1", "q1", "a1")
    b.append(sid, "q2", "q2", "a2")
    assert [t["content"] for t in a.history(sid)] == ["q1", "a1", "q2", "a2"]


def test_concurrent_appends_lose_no_turn(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3", 3600)
    sid = store.create()
    threads = [threading.Thread(target=store.append, args=(sid, f"q{i}", f"q{i}", f"a{i}"))
               for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    history = store.history(sid)
    assert len(history) == 24
    assert sorted(t["content"] for t in history if t["role"] == "user") == \
        sorted(f"q{i}" for i in range(12))


def test_expired_and_unknown_sessions_are_not_found(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3", ttl_s=1)
    sid = store.create()
    store.history(sid)
    time.sleep(1.2)
    with pytest.raises(NotFound) as exc:
        store.history(sid)
    assert exc.value.code == "session_not_found"
    store.create()  # creating a session sweeps expired ones away
    with sqlite3.connect(tmp_path / "s.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM sessions WHERE id = ?", (sid,)).fetchone()[0] == 0
    with pytest.raises(NotFound):
        store.history("A" * 24)


@pytest.mark.parametrize("bad", ["", "short", "../../etc/passwd", "x" * 65, 42, None, "a b" * 8])
def test_malformed_session_ids_are_bad_requests(tmp_path, bad):
    with pytest.raises(BadRequest):
        SessionStore(tmp_path / "s.sqlite3", 3600).history(bad)


def test_long_sessions_keep_only_the_latest_turns(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3", 3600, max_turns=6)
    sid = store.create()
    for i in range(10):
        store.append(sid, f"q{i}", f"q{i}", f"a{i}")
    assert [t["content"] for t in store.history(sid)] == ["q7", "a7", "q8", "a8", "q9", "a9"]
