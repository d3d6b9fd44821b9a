"""The bert-qa-reasoning reference reader, packaged for offline use.

all-MiniLM-L6-v2 (Apache-2.0) fine-tuned on bert-qa-reasoning's article split of the SQuAD v1.1 dev set (CC BY-SA
4.0) plus its hand-labelled reasoning questions (CC BY-SA 4.0). `model/README.md` is its model card, with the
test figures and the licence chain.
"""

from pathlib import Path

__version__ = "0.2.0"

MODEL_DIR = Path(__file__).resolve().parent / "model"


def get_model_path() -> Path:
    """The directory holding the weights (fp16 safetensors), tokenizer, config and model card."""
    if not (MODEL_DIR / "model.safetensors").exists():
        raise FileNotFoundError(
            f"The reference model files are missing under {MODEL_DIR}; reinstall the package."
        )
    return MODEL_DIR


__all__ = ["MODEL_DIR", "get_model_path"]
