"""MinHash signatures, bit-compatible with datasketch's default ``affine32`` scheme.

datasketch (>= 2.0) pre-mixes each 32-bit input hash with MurmurHash3's 32-bit finaliser and applies the
permutations ``a * h + b mod 2^32`` (``a`` odd, so each is a bijection), drawing ``a`` and ``b`` from
``numpy.random.RandomState(seed)``. Given the same shingle hashes and seed, :func:`signature` returns exactly
``datasketch.MinHash(num_perm, seed, hashfunc=<identity>).hashvalues``; the test suite checks it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_U32 = np.uint32
EMPTY = np.iinfo(np.uint32).max  # the value of every slot of an empty set's signature


def fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, element-wise."""
    values = values ^ (values >> _U32(16))
    values = values * _U32(0x85EBCA6B)
    values = values ^ (values >> _U32(13))
    values = values * _U32(0xC2B2AE35)
    return values ^ (values >> _U32(16))


@dataclass(frozen=True)
class Permutations:
    """The ``num_perm`` affine permutations for one seed, as column vectors ready for broadcasting."""

    a: np.ndarray  # shape (num_perm, 1), odd
    b: np.ndarray  # shape (num_perm, 1)

    @classmethod
    def create(cls, num_perm: int, seed: int) -> "Permutations":
        generator = np.random.RandomState(seed)
        a = generator.randint(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
        b = generator.randint(0, 1 << 32, num_perm, dtype=_U32)
        return cls(a.reshape(-1, 1), b.reshape(-1, 1))

    @property
    def num_perm(self) -> int:
        return self.a.shape[0]


def signatures(shingles: np.ndarray, offsets: np.ndarray, permutations: Permutations) -> np.ndarray:
    """MinHash signatures (uint32, one row per set, one column per permutation) of the sets of 32-bit shingle
    hashes ``shingles[offsets[i]:offsets[i + 1]]``; the pre-mix runs once for the whole batch."""
    mixed = fmix32(shingles.astype(_U32, copy=False))
    out = np.full((len(offsets) - 1, permutations.num_perm), EMPTY, dtype=_U32)
    for row, (start, end) in enumerate(zip(offsets[:-1].tolist(), offsets[1:].tolist())):
        if end > start:
            permuted = permutations.a * mixed[np.newaxis, start:end]
            permuted += permutations.b
            permuted.min(axis=1, out=out[row])
    return out


def signature(shingles: np.ndarray, permutations: Permutations) -> np.ndarray:
    """The MinHash signature of one set of 32-bit shingle hashes."""
    return signatures(shingles, np.array([0, shingles.size]), permutations)[0]


def agreement(left: np.ndarray, right: np.ndarray) -> float:
    """Fraction of equal slots: the MinHash estimate of the Jaccard similarity of the two sets."""
    return float(np.count_nonzero(left == right)) / left.size
