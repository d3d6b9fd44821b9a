"""Training entry point for `accelerate launch` (one GPU, DDP, FSDP): the same recipe as `bert-qa-reasoning train`.

    accelerate launch --config_file recipes/accelerate_configs/multi_gpu.yaml recipes/train.py \
        --model <BERT checkpoint> --train dev-v1.1.json --train-split train \
        --eval dev-v1.1.json --eval-split validation --output-dir runs/minilm-squad \
        --num_train_epochs 3 --learning_rate 1e-4 --per_device_train_batch_size 32 --bf16
"""

import sys

from bert_qa_reasoning.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
