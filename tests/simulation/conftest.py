"""The small default simulation several test modules read (made once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from danq.simulation.config import SimulationParams
from danq.simulation.simulate import simulate
from tests.simulation.helpers import SMALL


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One small default simulation with extra label noise so flips exist in a few hundred rows."""
    out = tmp_path_factory.mktemp("sim")
    params = SimulationParams(label_noise=0.03)
    summary = simulate(out, seed=11, params=params, **SMALL)
    return out, summary
