"""Eval suites for grounded, contest-aware answers: ``python -m eval run SUITE.yaml``.

- ``suite``: YAML suites (fact, contested and abstain cases; thresholds), checked on load
- ``judge``: the deterministic citation support judge and the text rules the metrics share
- ``metrics``: the metrics, citations on one answer, and a run's totals
- ``contests``: contested cases on one answer (sides, attribution, hedging)
- ``scoring``: the checks of one case
- ``runner``: the corpus, the service under test (in-process or over HTTP), the run
- ``report``, ``html``: report.json, summary.md and a self-contained report.html
- ``ramdocs``: the RAMDocs conflicting-evidence format as a corpus plus a suite
"""
