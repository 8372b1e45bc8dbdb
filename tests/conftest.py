"""Fixtures every test folder may use."""

from __future__ import annotations

import pytest

from tests.helpers import mount_tmpfs


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 64 KiB tmpfs (root only): writes of more than that fail with ENOSPC."""
    yield from mount_tmpfs(tmp_path / "full", "size=64k")


@pytest.fixture(scope="session")
def tiny_workflow_run(tmp_path_factory):
    """The whole workflow on config/test.yaml, run once per session as the quick start says.

    A folder laid out like a checkout (``workflow`` and ``config`` linked) where
    ``snakemake --cores 2 --configfile config/test.yaml`` ran: the end-to-end test reads its
    outputs and the quick-start tutorial reruns its commands there, so the suite pays for one run.
    Returns ``(folder, completed process)``.
    """
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    folder = tmp_path_factory.mktemp("tiny_run")
    for name in ("workflow", "config"):
        (folder / name).symlink_to(repo / name)
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                                 os.environ["PATH"]]))
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "config/test.yaml"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=900,
    )
    return folder, result
