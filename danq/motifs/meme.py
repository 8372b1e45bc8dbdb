"""MEME motif files (the MEME suite's text format, version 4/5): the one reader and the one writer.

``danq motifs`` writes its filters' matrices with :func:`write_meme`; ``danq tomtom`` (and
:func:`danq.motifs.tomtom.tomtom`) reads any MEME file with :func:`read_meme`. Both use DNA only,
rows in ACGT order, and a uniform background.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from danq.errors import DanqError
from danq.motifs.matrices import ACGT, as_ppm


@dataclass
class MemeMotif:
    """One motif of a MEME file: name, (4, w) probabilities (rows ACGT) and nsites (0 if absent)."""

    name: str
    ppm: np.ndarray
    nsites: int = 0


def write_meme(path: str | os.PathLike[str], motifs: Sequence[tuple[str, np.ndarray, int]]) -> None:
    """Write ``(name, ppm (4, k), nsites)`` motifs as a MEME version 4 text file (atomically).

    Readable by the MEME suite (tomtom, meme2images) and by ``memelite.io.read_meme``. The
    background is uniform, as for the TOMTOM comparison.
    """
    from danq.io import atomic_path

    lines = [
        "MEME version 4", "", f"ALPHABET= {ACGT}", "", "strands: + -", "",
        "Background letter frequencies", "A 0.25 C 0.25 G 0.25 T 0.25", "",
    ]
    for name, ppm, nsites in motifs:
        ppm = np.asarray(ppm, dtype=np.float64)
        if ppm.ndim != 2 or ppm.shape[0] != 4:
            raise DanqError(f"motif {name}: expected a (4, k) matrix, got {ppm.shape}")
        lines.append(f"MOTIF {name}")
        lines.append(f"letter-probability matrix: alength= 4 w= {ppm.shape[1]} nsites= {nsites} E= 0")
        lines.extend(" ".join(f"{value:.6f}" for value in column) for column in ppm.T)
        lines.append("")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines) + "\n")


def _header_value(line: str, key: str) -> str | None:
    parts = line.replace("=", "= ").split()
    for i, part in enumerate(parts[:-1]):
        if part == f"{key}=":
            return parts[i + 1]
    return None


def read_meme(path: str | os.PathLike[str]) -> list[MemeMotif]:
    """The motifs of a MEME (version 4/5 text) file, DNA alphabet only.

    Raises DanqError with the file name and line for a file that is not MEME text, a non-DNA
    alphabet, a matrix whose rows do not have 4 numbers, or a width that disagrees with ``w=``.
    """
    from danq.io import require_file

    p = require_file(path, "MEME file")
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise DanqError(f"{p}: not a MEME text file (not UTF-8 text)") from None
    if not any(line.startswith("MEME version") for line in lines[:50]):
        raise DanqError(f"{p}: not a MEME motif file (no 'MEME version' line)")
    motifs: list[MemeMotif] = []
    name: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("ALPHABET"):
            alphabet = line.split("=", 1)[-1].strip().split()[0] if "=" in line else ""
            if alphabet.upper() not in ("ACGT", "DNA"):
                raise DanqError(f"{p}:{i + 1}: alphabet {alphabet!r} is not DNA (ACGT)")
        elif line.startswith("MOTIF"):
            fields = line.split()
            if len(fields) < 2:
                raise DanqError(f"{p}:{i + 1}: MOTIF line without a name")
            name = fields[1]
        elif line.startswith("letter-probability matrix"):
            if name is None:
                raise DanqError(f"{p}:{i + 1}: matrix before any MOTIF line")
            width_text, sites_text = _header_value(line, "w"), _header_value(line, "nsites")
            rows: list[list[float]] = []
            j = i + 1
            while j < len(lines):
                text = lines[j].strip()
                if not text:
                    if rows:
                        break
                    j += 1
                    continue
                try:
                    values = [float(v) for v in text.split()]
                except ValueError:
                    break
                if len(values) != 4:
                    raise DanqError(f"{p}:{j + 1}: motif {name}: expected 4 numbers, got {len(values)}")
                rows.append(values)
                j += 1
                if width_text is not None and len(rows) == int(float(width_text)):
                    break
            if not rows or (width_text is not None and len(rows) != int(float(width_text))):
                raise DanqError(f"{p}:{i + 1}: motif {name}: w= {width_text} but {len(rows)} rows")
            ppm = as_ppm(np.array(rows).T, f"{p}: motif {name}")
            nsites = int(float(sites_text)) if sites_text else 0
            motifs.append(MemeMotif(name, ppm, nsites))
            name = None
            i = j
            continue
        i += 1
    if not motifs:
        raise DanqError(f"{p}: no letter-probability matrix in the file")
    names = [m.name for m in motifs]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise DanqError(f"{p}: motif name {sorted(duplicated)[0]!r} appears twice")
    return motifs
