"""A small bidirectional recurrent text classifier (PyTorch, CPU), trained from scratch.

Optional: it needs the ``[neural]`` extra (PyTorch). :class:`PetitionClassifier` averages its
probabilities with the linear model's when ``neural_weight`` > 0; on its own it is no better than
the linear model, but the two make different mistakes. Nothing is downloaded: the vocabulary and
the embeddings are learnt from the training rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["BiRNNClassifier", "MissingExtra", "require_torch", "load_weights"]

PAD, OOV = 0, 1


class MissingExtra(ImportError):
    """An optional extra (here PyTorch) is not installed; the message says how to install it."""


def require_torch() -> Any:
    """Import PyTorch, or raise :class:`MissingExtra` with the one-line install hint."""
    try:
        import torch
    except ImportError:
        raise MissingExtra(
            "the neural ensemble needs PyTorch: pip install 'petition-nlp[neural]' (see the README)"
        ) from None
    return torch


def _network(vocab_size: int, emb_dim: int, hidden: int, n_classes: int, dropout: float, cell: str) -> Any:
    torch = require_torch()
    nn = torch.nn

    class BiRNN(nn.Module):
        """Embedding -> forward and backward RNN -> [max-pool; mean-pool] -> dropout -> linear.

        The backward RNN reads each sequence reversed within its own length, so right padding
        never reaches a real position (and no PackedSequence, which is slow on CPU).
        """

        def __init__(self) -> None:
            super().__init__()
            rnn = nn.GRU if cell == "gru" else nn.LSTM
            self.emb = nn.Embedding(vocab_size, emb_dim, padding_idx=PAD)
            self.fwd = rnn(emb_dim, hidden, batch_first=True)
            self.bwd = rnn(emb_dim, hidden, batch_first=True)
            self.drop = nn.Dropout(dropout)
            self.out = nn.Linear(4 * hidden, n_classes)

        def forward(self, x: Any) -> Any:
            batch, length = x.shape
            lengths = (x != PAD).sum(1).clamp(min=1)
            pos = torch.arange(length).unsqueeze(0).expand(batch, length)
            valid = pos < lengths.unsqueeze(1)
            rev = torch.where(valid, lengths.unsqueeze(1) - 1 - pos, pos)
            e = self.drop(self.emb(x))
            h_fwd, _ = self.fwd(e)
            h_bwd, _ = self.bwd(e.gather(1, rev.unsqueeze(-1).expand(-1, -1, e.shape[-1])))
            h_bwd = h_bwd.gather(1, rev.unsqueeze(-1).expand(-1, -1, h_bwd.shape[-1]))
            h = torch.cat([h_fwd, h_bwd], dim=2)
            mask = valid.unsqueeze(-1)
            pooled_max = h.masked_fill(~mask, -1e4).max(dim=1).values
            pooled_mean = (h * mask).sum(1) / lengths.unsqueeze(-1).to(h.dtype)
            return self.out(self.drop(torch.cat([pooled_max, pooled_mean], dim=1)))

    return BiRNN()


class BiRNNClassifier(ClassifierMixin, BaseEstimator):
    """Bidirectional LSTM (or GRU) over whitespace tokens, with max- and mean-pooling.

    Args:
        column: when ``X`` is a DataFrame, the column to read (``"norm"``: normalised syllables;
            ``"seg"``: segmented words).
        cell: ``"lstm"`` or ``"gru"``.
        emb_dim: embedding size.
        hidden: hidden size per direction.
        dropout: dropout on the embeddings and on the pooled vector.
        max_len: tokens kept per text.
        min_count: tokens seen fewer times in training are read as the unknown token, so that its
            embedding is trained too (unseen tokens at prediction time get that embedding).
        epochs: passes over the training rows (fixed; no early stopping on held-out data).
        batch_size: texts per step (batches are bucketed by length).
        lr: Adam learning rate.
        random_state: seed of the initialisation, the batch order and dropout.
        num_threads: PyTorch threads (1 keeps parallel workers from competing for cores).
    """

    def __init__(
        self,
        *,
        column: str = "norm",
        cell: str = "lstm",
        emb_dim: int = 128,
        hidden: int = 96,
        dropout: float = 0.5,
        max_len: int = 160,
        min_count: int = 2,
        epochs: int = 8,
        batch_size: int = 64,
        lr: float = 2e-3,
        random_state: int = 0,
        num_threads: int = 1,
    ) -> None:
        self.column = column
        self.cell = cell
        self.emb_dim = emb_dim
        self.hidden = hidden
        self.dropout = dropout
        self.max_len = max_len
        self.min_count = min_count
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.random_state = random_state
        self.num_threads = num_threads

    def _texts(self, X: pd.DataFrame | Sequence[str]) -> list[str]:
        if isinstance(X, pd.DataFrame):
            return X[self.column].astype(str).tolist()
        return [str(x) for x in X]

    def _encode(self, texts: list[str]) -> list[list[int]]:
        vocab = self.vocabulary_
        return [[vocab.get(t, OOV) for t in text.split()][: self.max_len] or [OOV] for text in texts]

    @staticmethod
    def _pad(seqs: list[list[int]]) -> Any:
        torch = require_torch()
        out = np.zeros((len(seqs), max(len(s) for s in seqs)), dtype=np.int64)
        for i, s in enumerate(seqs):
            out[i, : len(s)] = s
        return torch.from_numpy(out)

    def _build(self) -> Any:
        if self.cell not in ("lstm", "gru"):
            raise ValueError(f"cell must be 'lstm' or 'gru', not {self.cell!r}")
        return _network(len(self.vocabulary_) + 2, self.emb_dim, self.hidden, len(self.classes_),
                        self.dropout, self.cell)

    def fit(self, X: pd.DataFrame | Sequence[str], y: Sequence[Any]) -> BiRNNClassifier:
        """Learn the vocabulary from ``X`` and train the network (deterministic for a seed)."""
        torch = require_torch()
        functional = torch.nn.functional
        torch.set_num_threads(self.num_threads)
        texts = self._texts(X)
        self.classes_, y_index = np.unique(np.asarray(y, dtype=object), return_inverse=True)
        counts = Counter(t for text in texts for t in text.split())
        kept = sorted(t for t, n in counts.items() if n >= self.min_count)
        self.vocabulary_ = {t: i + 2 for i, t in enumerate(kept)}
        seqs = self._encode(texts)
        lengths = np.array([len(s) for s in seqs])
        targets = torch.as_tensor(y_index, dtype=torch.long)
        torch.manual_seed(self.random_state)
        rng = np.random.RandomState(self.random_state)
        network = self._build()
        optimiser = torch.optim.Adam(network.parameters(), lr=self.lr)
        network.train()
        for _ in range(self.epochs):
            for batch in self._batches(lengths, rng):
                loss = functional.cross_entropy(network(self._pad([seqs[i] for i in batch])), targets[batch])
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        self.state_dict_ = {k: v.detach().clone() for k, v in network.state_dict().items()}
        self._network = None
        return self

    def _batches(self, lengths: np.ndarray, rng: np.random.RandomState) -> list[np.ndarray]:
        """Shuffled batches of similar lengths (sorted within chunks of 50 batches)."""
        order = rng.permutation(len(lengths))
        chunk = self.batch_size * 50
        batches = []
        for start in range(0, len(order), chunk):
            part = order[start : start + chunk]
            part = part[np.argsort(lengths[part], kind="stable")]
            batches += [part[i : i + self.batch_size] for i in range(0, len(part), self.batch_size)]
        rng.shuffle(batches)
        return batches

    def predict_proba(self, X: pd.DataFrame | Sequence[str]) -> np.ndarray:
        """Softmax probabilities, one column per code of ``classes_``."""
        check_is_fitted(self, "state_dict_")
        torch = require_torch()
        torch.set_num_threads(self.num_threads)
        if getattr(self, "_network", None) is None:
            network = self._build()
            network.load_state_dict(self.state_dict_)
            network.eval()
            self._network = network
        seqs = self._encode(self._texts(X))
        out = np.zeros((len(seqs), len(self.classes_)))
        if not seqs:
            return out
        order = np.argsort([len(s) for s in seqs], kind="stable")
        with torch.no_grad():
            for start in range(0, len(order), 512):
                batch = order[start : start + 512]
                logits = self._network(self._pad([seqs[i] for i in batch]))
                out[batch] = torch.nn.functional.softmax(logits, dim=1).numpy()
        return out

    def predict(self, X: pd.DataFrame | Sequence[str]) -> np.ndarray:
        """The most probable code for each text."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_network"] = None  # rebuilt from state_dict_ on first use
        if isinstance(state.get("state_dict_"), dict):  # the weights as torch.save bytes: the pickle
            state["state_dict_"] = _weights_to_bytes(state["state_dict_"])  # holds no torch object
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state.setdefault("min_count", 1)  # networks saved before min_count kept every token
        if isinstance(state.get("state_dict_"), (bytes, bytearray)):
            state["state_dict_"] = load_weights(bytes(state["state_dict_"]))
        super().__setstate__(state)


def _weights_to_bytes(weights: dict[str, Any]) -> bytes:
    import io

    torch = require_torch()
    buffer = io.BytesIO()
    torch.save(dict(weights), buffer)
    return buffer.getvalue()


def load_weights(data: bytes) -> Any:
    """PyTorch weights from ``torch.save`` bytes, loaded with ``weights_only=True``: tensors and
    plain containers only, never code (a model file may come from elsewhere)."""
    import io

    torch = require_torch()
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch's UnpicklingError names the refused global
        from petition_nlp.model.modelstore import ModelError

        first = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:200]
        raise ModelError(f"neural network weights refused or unreadable ({first})") from None
