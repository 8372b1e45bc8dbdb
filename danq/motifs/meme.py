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

# A letter-probability row must sum to 1 within this: rounding to 2 decimals stays inside it, a row
# of 1.5 or of counts does not. Those are refused, not normalised: the file is not what its
# ``letter-probability`` line says, and normalising counts silently hides a wrong conversion (MEME's
# format asks for probabilities; convert counts with its ``jaspar2meme``-style tools). Rows inside
# the tolerance are normalised.
ROW_SUM_TOLERANCE = 0.1


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
    alphabet, a MOTIF without a ``letter-probability matrix`` line, a matrix whose rows do not have 4
    numbers or do not sum to 1 (within ``ROW_SUM_TOLERANCE``; counts are refused), or a width that
    disagrees with ``w=``.
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
    name_line = 0
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
            _require_matrix(p, name, name_line)
            name, name_line = fields[1], i + 1
        elif line.startswith("letter-probability matrix"):
            if name is None:
                raise DanqError(f"{p}:{i + 1}: matrix before any MOTIF line")
            width_text, sites_text = _header_value(line, "w"), _header_value(line, "nsites")
            rows: list[list[float]] = []
            row_lines: list[int] = []
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
                row_lines.append(j + 1)
                j += 1
                if width_text is not None and len(rows) == int(float(width_text)):
                    break
            if not rows or (width_text is not None and len(rows) != int(float(width_text))):
                raise DanqError(f"{p}:{i + 1}: motif {name}: w= {width_text} but {len(rows)} rows")
            _check_row_sums(p, name, rows, row_lines)
            ppm = as_ppm(np.array(rows).T, f"{p}: motif {name}")
            nsites = int(float(sites_text)) if sites_text else 0
            motifs.append(MemeMotif(name, ppm, nsites))
            name = None
            i = j
            continue
        i += 1
    _require_matrix(p, name, name_line)
    if not motifs:
        raise DanqError(f"{p}: no letter-probability matrix in the file")
    names = [m.name for m in motifs]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise DanqError(f"{p}: motif name {sorted(duplicated)[0]!r} appears twice")
    return motifs


def _require_matrix(path: os.PathLike[str], name: str | None, line: int) -> None:
    """A MOTIF whose ``letter-probability matrix`` never came (``name`` still pending) is an error."""
    if name is not None:
        raise DanqError(
            f"{path}:{line}: motif {name}: no 'letter-probability matrix' line before the next "
            "MOTIF or the end of the file"
        )


def _check_row_sums(
    path: os.PathLike[str], name: str, rows: list[list[float]], lines: list[int]
) -> None:
    """Each row of a letter-probability matrix sums to 1 (within ``ROW_SUM_TOLERANCE``)."""
    sums = np.array([sum(row) for row in rows])
    bad = np.flatnonzero(~(np.abs(sums - 1.0) <= ROW_SUM_TOLERANCE))
    if not len(bad):
        return
    k = int(bad[0])
    counts = bool(np.all(sums > 1.0 + ROW_SUM_TOLERANCE)) and all(
        float(v).is_integer() for row in rows for v in row
    )
    hint = ("; these look like counts: divide each row by its sum" if counts
            else "; letter probabilities must sum to 1")
    raise DanqError(
        f"{path}:{lines[k]}: motif {name}: row {k + 1} sums to {sums[k]:.6g}, not 1 "
        f"(tolerance {ROW_SUM_TOLERANCE}){hint}"
    )
