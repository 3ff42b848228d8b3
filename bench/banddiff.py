#!/usr/bin/env python3
"""1/3-octave band-level difference between two audio files, measured
independently of mixdown (numpy/scipy/soundfile only).

    python3 bench/banddiff.py X.wav REF.wav [--lufs-x LX --lufs-ref LR] [-v]

For each file: the mid signal (L+R)/2 (a mono file is used as is), its power
spectral density by Welch's method (Hann window, nperseg 16384, 50% overlap),
and the power integrated into the 28 ISO 1/3-octave bands with centres
1000*2^(k/3) Hz, nominal 31.5 Hz to 16 kHz, edges centre*2^(+-1/6) (partial
bins at the edges are apportioned linearly). Band level L = 10*log10(power).
With d = L_x - L_ref per band, prints one line:

    shape=S abs=A

  shape  sqrt(mean((d - mean(d))^2)): the RMS band-level difference with the
         overall level removed, so only tonal balance counts.
  abs    sqrt(mean(d'^2)) with d' = d - (LX - LR): the RMS band-level
         difference after matching integrated loudness (pass both files'
         integrated loudness, e.g. from ffmpeg's ebur128; without them d is
         used as measured, i.e. the raw level difference counts too).

-v also prints the per-band levels and differences.
"""

import argparse
import sys

import numpy as np
import soundfile as sf
from scipy import signal

NPERSEG = 16384
CENTRES = [1000.0 * 2.0 ** (k / 3.0) for k in range(-15, 13)]  # 31.25 .. 16000 Hz
NOMINAL = [31.5, 40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800,
           1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000, 12500, 16000]


def band_levels(path):
    x, rate = sf.read(path, dtype="float64", always_2d=True)
    mid = x.mean(axis=1)
    del x
    f, psd = signal.welch(mid, fs=rate, window="hann", nperseg=NPERSEG,
                          noverlap=NPERSEG // 2, detrend=False, scaling="density")
    df = f[1] - f[0]
    # Cumulative power at the bin boundaries (bin i covers f[i] +- df/2), so a
    # band edge that falls inside a bin takes the matching fraction of it.
    edges = np.concatenate(([0.0], f + df / 2))
    cum = np.concatenate(([0.0], np.cumsum(psd * df)))
    levels = []
    for c in CENTRES:
        lo, hi = c * 2.0 ** (-1 / 6), c * 2.0 ** (1 / 6)
        if hi > rate / 2:
            sys.exit(f"banddiff: {path}: {rate} Hz sample rate has no {c:.0f} Hz band")
        p = np.interp(hi, edges, cum) - np.interp(lo, edges, cum)
        levels.append(10 * np.log10(max(p, 1e-30)))
    return np.array(levels)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("x")
    ap.add_argument("ref")
    ap.add_argument("--lufs-x", type=float)
    ap.add_argument("--lufs-ref", type=float)
    ap.add_argument("-v", action="store_true", help="print the per-band table")
    a = ap.parse_args()
    lx, lr = band_levels(a.x), band_levels(a.ref)
    d = lx - lr
    shape = np.sqrt(np.mean((d - d.mean()) ** 2))
    offset = 0.0
    if a.lufs_x is not None and a.lufs_ref is not None:
        offset = a.lufs_x - a.lufs_ref
    dabs = d - offset
    absd = np.sqrt(np.mean(dabs ** 2))
    if a.v:
        print(f"{'band Hz':>8} {'x dB':>8} {'ref dB':>8} {'d dB':>7}")
        for n, p, q, e in zip(NOMINAL, lx, lr, d):
            print(f"{n:>8g} {p:8.2f} {q:8.2f} {e:7.2f}")
        print(f"mean d {d.mean():.2f} dB; loudness offset removed for abs: {offset:.2f} LU")
    print(f"shape={shape:.2f} abs={absd:.2f}")


if __name__ == "__main__":
    main()
