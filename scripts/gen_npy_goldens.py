#!/usr/bin/python3
"""Goldens for internal/npy's float16 reading: NumPy's own float16 -> float32.

Writes internal/npy/testdata/:
  f16.npy         float16 ('<f2'), shape (4, 64): every special value
                  (+-0, +-inf, NaN, the largest finite, the smallest normal,
                  subnormals from the smallest up), and random values of every
                  exponent, as x.half().numpy() or a.astype(np.float16) saves them
  f16_be.npy      the same array big-endian ('>f2')
  f16_as_f32.npy  float32 ('<f4'): f16.astype(np.float32), what vitctl must read

Run from the repo root: /usr/bin/python3 scripts/gen_npy_goldens.py
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "internal", "npy", "testdata")


def main():
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 65504.0, -65504.0, 2.0 ** -14, -(2.0 ** -14),
                        2.0 ** -24, -(2.0 ** -24), 3 * 2.0 ** -24, 2.0 ** -14 - 2.0 ** -24, 1.0, -1.0, 0.5],
                       dtype=np.float16)
    bits = np.random.default_rng(0).integers(0, 1 << 16, size=256 - len(special), dtype=np.uint16)
    a = np.concatenate([special, bits.view(np.float16)]).reshape(4, 64)
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, "f16.npy"), a)
    np.save(os.path.join(OUT, "f16_be.npy"), a.astype(">f2"))
    np.save(os.path.join(OUT, "f16_as_f32.npy"), a.astype(np.float32))


if __name__ == "__main__":
    main()
