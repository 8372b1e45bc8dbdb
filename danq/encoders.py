"""DNA encoders: one-hot, tokens, reverse complement, alphabet reordering and length fitting.

Everything is vectorised with 256-entry lookup tables over the sequence's bytes; there is no Python loop
per base. Conventions used throughout danq:

* one-hot arrays are channel-first, ``(4, L)`` for one sequence and ``(N, 4, L)`` for a batch, with rows in
  the order of ``alphabet`` (``"ACGT"`` unless said otherwise; the DeepSEA bundle uses ``"AGCT"``);
* tokens are ``uint8`` with A, C, G, T = 0, 1, 2, 3 and ``N`` (or any IUPAC ambiguity code) = 4;
* ``N`` and the other ambiguity codes (R Y S W K M B D H V) encode as an all-zero column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

ACGT = "ACGT"
N_TOKEN = 4
INVALID = 255
AMBIGUITY_CODES = "NRYSWKMBDHV"

_TOKEN_LUT = np.full(256, INVALID, dtype=np.uint8)
for _i, _base in enumerate(ACGT):
    _TOKEN_LUT[ord(_base)] = _i
    _TOKEN_LUT[ord(_base.lower())] = _i
for _code in AMBIGUITY_CODES:
    _TOKEN_LUT[ord(_code)] = N_TOKEN
    _TOKEN_LUT[ord(_code.lower())] = N_TOKEN

_COMPLEMENT = str.maketrans(
    "ACGTNRYSWKMBDHVacgtnryswkmbdhv",
    "TGCANYRSWMKVHDBtgcanyrswmkvhdb",
)


def _check_alphabet(alphabet: str) -> str:
    if len(alphabet) != 4 or sorted(alphabet.upper()) != sorted(ACGT):
        raise ValueError(f"alphabet must be a permutation of 'ACGT', got {alphabet!r}")
    return alphabet.upper()


#: The lookup table as a bytes.translate table: one C pass maps bases to tokens (and can drop bytes).
TOKEN_TABLE = _TOKEN_LUT.tobytes()


def tokens_from_bytes(data: bytes | bytearray | memoryview) -> np.ndarray:
    """Map raw ASCII bytes to tokens; invalid bytes become 255 (the caller decides how to complain)."""
    return np.frombuffer(bytearray(bytes(data).translate(TOKEN_TABLE)), dtype=np.uint8)


#: Like :data:`TOKEN_TABLE`, but any other byte becomes N: reference genomes may hold gaps or odd letters.
LENIENT_TOKEN_TABLE = bytes(b if b != INVALID else N_TOKEN for b in TOKEN_TABLE)

#: Token of each token's complement: A<->T, C<->G, N stays N.
COMPLEMENT_TOKEN = np.array([3, 2, 1, 0, N_TOKEN], dtype=np.uint8)


def tokens_from_bytes_lenient(data: bytes | bytearray | memoryview) -> np.ndarray:
    """Map raw ASCII bytes to tokens, reading every non-ACGT byte as N (for reference genomes)."""
    return np.frombuffer(bytearray(bytes(data).translate(LENIENT_TOKEN_TABLE)), dtype=np.uint8)


def reverse_complement_tokens(tokens: np.ndarray) -> np.ndarray:
    """Reverse complement token arrays ``(..., L)`` (A,C,G,T,N = 0..4); N stays N."""
    return COMPLEMENT_TOKEN[np.asarray(tokens, dtype=np.uint8)[..., ::-1]]


def first_invalid(tokens: np.ndarray) -> int:
    """Index of the first invalid token (255), or -1 when every token is valid."""
    bad = np.flatnonzero(tokens == INVALID)
    return int(bad[0]) if bad.size else -1


def to_tokens(seq: str) -> np.ndarray:
    """Encode a DNA string as ``uint8`` tokens (A,C,G,T = 0..3; N and ambiguity codes = 4).

    Raises
    ------
    ValueError
        For any other character, naming it and its 1-based position.
    """
    raw = seq.encode("ascii", errors="replace")  # one byte per character, non-ASCII -> '?'
    tokens = tokens_from_bytes(raw)
    bad = first_invalid(tokens)
    if bad >= 0:
        raise ValueError(f"invalid character {seq[bad]!r} at position {bad + 1} (1-based)")
    return tokens


def from_tokens(tokens: np.ndarray | Sequence[int]) -> str:
    """Decode tokens back to an upper-case string (4 -> ``N``)."""
    arr = np.asarray(tokens)
    if arr.size and (arr.min() < 0 or arr.max() > N_TOKEN):
        raise ValueError("tokens must lie in 0..4")
    return np.frombuffer(b"ACGTN", dtype=np.uint8)[arr.astype(np.intp)].tobytes().decode("ascii")


def tokens_to_one_hot(
    tokens: np.ndarray, alphabet: str = ACGT, dtype: Any = np.float32
) -> np.ndarray:
    """One-hot encode tokens of shape ``(..., L)`` into ``(..., 4, L)``; token 4 gives a zero column."""
    order = [ACGT.index(c) for c in _check_alphabet(alphabet)]
    tokens = np.asarray(tokens, dtype=np.uint8)
    out = np.empty(tokens.shape[:-1] + (4, tokens.shape[-1]), dtype=dtype)
    for row, token in enumerate(order):  # one vectorised pass per channel, written in place
        np.equal(tokens, token, out=out[..., row, :], casting="unsafe")
    return out


def one_hot_to_tokens(x: np.ndarray) -> np.ndarray:
    """Tokens ``(..., L)`` uint8 of a one-hot (or soft) array ``(..., 4, L)`` in ACGT order: each
    column's largest channel; an all-zero column is N (token 4), the inverse of
    :func:`tokens_to_one_hot`."""
    x = np.asarray(x)
    return np.where(x.sum(axis=-2) > 0, x.argmax(axis=-2), 4).astype(np.uint8)


def one_hot(seq: str, alphabet: str = ACGT, dtype: Any = np.float32) -> np.ndarray:
    """One-hot encode one sequence as a ``(4, L)`` array with rows in ``alphabet`` order.

    Lower case equals upper case; ``N`` and other IUPAC ambiguity codes give an all-zero column; any other
    character raises ``ValueError`` naming the character and its position.

    Parameters
    ----------
    seq
        A DNA sequence.
    alphabet
        The order of the four rows (``"ACGT"``, danq's; ``"AGCT"`` is the DeepSEA bundle's).
    dtype
        The array's dtype.

    Returns
    -------
    numpy.ndarray
        ``(4, len(seq))``; :func:`one_hot_batch` encodes many equal-length sequences at once.

    Examples
    --------
    >>> import danq
    >>> danq.one_hot("ACgtN")
    array([[1., 0., 0., 0., 0.],
           [0., 1., 0., 0., 0.],
           [0., 0., 1., 0., 0.],
           [0., 0., 0., 1., 0.]], dtype=float32)
    """
    return tokens_to_one_hot(to_tokens(seq), alphabet, dtype)


def tokens_batch(seqs: Sequence[str]) -> np.ndarray:
    """Tokens ``(N, L)`` of equal-length sequences, in one C pass over their joined bytes.

    Raises ``ValueError`` for unequal lengths, or naming the sequence, the character and its
    1-based position for the first invalid character (the same message as :func:`to_tokens`).
    """
    seqs = seqs if isinstance(seqs, list) else list(seqs)
    if not seqs:
        return np.zeros((0, 0), dtype=np.uint8)
    lengths = set(map(len, seqs))
    if len(lengths) > 1:
        raise ValueError(
            f"sequences have unequal lengths ({min(lengths)}..{max(lengths)}); use fit_length first"
        )
    length = lengths.pop()
    # str.encode with "replace" turns each non-ASCII character into one '?', so offsets stay put
    raw = "".join(seqs).encode("ascii", errors="replace")
    tokens = tokens_from_bytes(raw).reshape(len(seqs), length)
    bad = first_invalid(tokens.reshape(-1))
    if bad >= 0:
        row, column = divmod(bad, length)
        raise ValueError(
            f"sequence {row}: invalid character {seqs[row][column]!r} at position {column + 1} "
            "(1-based)"
        )
    return tokens


def one_hot_batch(seqs: Sequence[str], alphabet: str = ACGT, dtype: Any = np.float32) -> np.ndarray:
    """One-hot encode equal-length sequences into ``(N, 4, L)``; unequal lengths raise ``ValueError``.

    The sequences are tokenised together (:func:`tokens_batch`), not one Python call per sequence.
    """
    seqs = seqs if isinstance(seqs, list) else list(seqs)
    if not seqs:
        return np.zeros((0, 4, 0), dtype=dtype)
    return tokens_to_one_hot(tokens_batch(seqs), alphabet, dtype)


def decode(onehot: np.ndarray, alphabet: str = ACGT) -> str | list[str]:
    """Turn a ``(4, L)`` one-hot array back into a string (all-zero column -> ``N``).

    A ``(N, 4, L)`` batch gives a list of strings.
    """
    alphabet = _check_alphabet(alphabet)
    arr = np.asarray(onehot)
    if arr.ndim == 3:
        return [decode(a, alphabet) for a in arr]  # type: ignore[misc]
    if arr.ndim != 2 or arr.shape[0] != 4:
        raise ValueError(f"expected a (4, L) or (N, 4, L) array, got shape {arr.shape}")
    letters = np.frombuffer((alphabet + "N").encode(), dtype=np.uint8)
    index = np.where(arr.any(axis=0), arr.argmax(axis=0), 4)
    return letters[index].tobytes().decode("ascii")


def reverse_complement(x: Any) -> Any:
    """Reverse complement a string, a ``(4, L)`` one-hot array or a ``(N, 4, L)`` batch.

    Arrays must be in ACGT (or any complement-symmetric) order, where complementing is reversing the
    channel axis. numpy arrays and torch tensors are both accepted; the input is not modified.

    Parameters
    ----------
    x
        A sequence (IUPAC codes are complemented too, case is kept), or a one-hot array or batch.

    Returns
    -------
    str, numpy.ndarray or torch.Tensor
        The same kind and shape as ``x``.

    Examples
    --------
    >>> import danq
    >>> danq.reverse_complement("AACGTn")
    'nACGTT'
    >>> x = danq.one_hot("AAC")
    >>> bool((danq.reverse_complement(x) == danq.one_hot("GTT")).all())
    True
    """
    if isinstance(x, str):
        return x.translate(_COMPLEMENT)[::-1]
    if hasattr(x, "flip") and not isinstance(x, np.ndarray):  # torch.Tensor
        if x.dim() not in (2, 3) or x.shape[-2] != 4:
            raise ValueError(f"expected (4, L) or (N, 4, L), got shape {tuple(x.shape)}")
        return x.flip(dims=(-2, -1))
    arr = np.asarray(x)
    if arr.ndim not in (2, 3) or arr.shape[-2] != 4:
        raise ValueError(f"expected (4, L) or (N, 4, L), got shape {arr.shape}")
    return np.ascontiguousarray(arr[..., ::-1, ::-1])


def reorder(onehot: Any, from_alphabet: str, to_alphabet: str) -> Any:
    """Permute the channel axis (second to last) of a one-hot array from one alphabet order to another.

    Example: ``reorder(x, "AGCT", "ACGT")`` converts the DeepSEA bundle's order to danq's.
    """
    src, dst = _check_alphabet(from_alphabet), _check_alphabet(to_alphabet)
    index = [src.index(c) for c in dst]
    if hasattr(onehot, "flip") and not isinstance(onehot, np.ndarray):  # torch.Tensor
        return onehot[..., index, :]
    return np.ascontiguousarray(np.asarray(onehot)[..., index, :])


def fit_margins(n: int, length: int) -> tuple[int, int]:
    """The one centre-crop / pad rule: how many positions ``n`` loses or gains on each side to be ``length``.

    Returns ``(left, right)``: for ``n > length`` the positions cropped from each end, for ``n < length``
    the N positions padded on each end (``(0, 0)`` when they are equal). With an odd difference the extra
    position is cropped from (or padded on) the right.
    """
    if length <= 0:
        raise ValueError(f"length must be positive, got {length}")
    difference = abs(n - length)
    return difference // 2, difference - difference // 2


def fit_length(seq: str, length: int) -> str:
    """Centre-crop a longer sequence or pad a shorter one with ``N`` on both sides to ``length``.

    With an odd difference the extra base is cropped from (or padded on) the right
    (:func:`fit_margins`).
    """
    n = len(seq)
    left, right = fit_margins(n, length)
    if n > length:
        return seq[left : n - right]
    return "N" * left + seq + "N" * right


def fit_tokens(tokens: np.ndarray, length: int) -> np.ndarray:
    """:func:`fit_length` for a token array: centre-crop, or pad with the N token on both sides."""
    n = tokens.shape[-1]
    left, right = fit_margins(n, length)
    if n > length:
        return tokens[..., left : n - right]
    if n == length:
        return tokens
    out = np.full(tokens.shape[:-1] + (length,), N_TOKEN, dtype=np.uint8)
    out[..., left : left + n] = tokens
    return out


def fit_one_hot(x: Any, length: int) -> Any:
    """:func:`fit_length` for one-hot arrays ``(..., 4, L)`` (numpy or torch): centre-crop, or pad
    with all-zero (N) columns on both sides."""
    n = x.shape[-1]
    left, right = fit_margins(n, length)
    if n > length:
        return x[..., left : n - right]
    if n == length:
        return x
    shape = (*x.shape[:-1], length)
    out = x.new_zeros(shape) if hasattr(x, "new_zeros") else np.zeros(shape, dtype=x.dtype)
    out[..., left : left + n] = x
    return out
