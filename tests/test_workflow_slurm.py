"""The shipped SLURM profiles, run through snakemake-executor-plugin-slurm against a stub SLURM.

The stubs (``sbatch``, ``squeue``, ``scancel``, ``sacct``, ``sacctmgr``, ``scontrol``, ``srun``)
run each submitted job locally in the background and keep its state in files, like a single-node
cluster *without accounting*: ``sacct`` fails as it does there, so a profile that polled sacct
would hang (the test's timeout catches that). One job is cancelled once with ``scancel`` while it
runs; the profile's retry must resubmit it and the run finish.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEFILE = REPO / "workflow" / "Snakefile"
TEST_CONFIG = REPO / "config" / "test.yaml"
PROFILES = REPO / "workflow" / "profiles"
ACCOUNT = "danqlab"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
    reason="snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')",
)

# One stub program; its behaviour depends on the name it is called by (argv[0]).
STUB = r'''
import json, os, signal, subprocess, sys, time
from pathlib import Path

STATE = Path(os.environ["STUB_SLURM_STATE"])
NAME = Path(sys.argv[0]).name
ARGS = sys.argv[1:]


def job_dir(job_id):
    return STATE / "jobs" / str(job_id)


def log(event, **fields):
    with open(STATE / "events.jsonl", "a") as handle:
        handle.write(json.dumps({"event": event, "time": time.time(), **fields}) + "\n")


def set_state(job_id, state):
    (job_dir(job_id) / "state").write_text(state)
    log("state", job=int(job_id), state=state)


def get_state(job_id):
    return (job_dir(job_id) / "state").read_text()


def new_job_id():
    STATE.mkdir(parents=True, exist_ok=True)
    while True:
        ids = [int(p.name) for p in (STATE / "jobs").glob("*")] if (STATE / "jobs").exists() else []
        job_id = max(ids, default=1000) + 1
        try:
            job_dir(job_id).mkdir(parents=True)
            return job_id
        except FileExistsError:
            continue


def option(args, *names):
    for i, arg in enumerate(args):
        for name in names:
            if arg == name and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


STATE.mkdir(parents=True, exist_ok=True)
if NAME != "_runjob":
    log("call", command=NAME, args=ARGS)

if NAME == "sbatch":
    wrap = option(ARGS, "--wrap")
    if wrap is None:
        sys.exit("sbatch: error: this stub needs --wrap")
    job_id = new_job_id()
    meta = {"name": option(ARGS, "--job-name", "-J"), "comment": option(ARGS, "--comment"),
            "account": option(ARGS, "-A", "--account"), "partition": option(ARGS, "-p", "--partition"),
            "mem": option(ARGS, "--mem"), "time": option(ARGS, "-t", "--time"),
            "cpus": option(ARGS, "--cpus-per-task"), "workdir": option(ARGS, "-D", "--chdir"),
            "output": (option(ARGS, "--output", "-o") or "slurm-%j.out").replace("%j", str(job_id)),
            "wrap": wrap, "argv": ARGS}
    (job_dir(job_id) / "meta.json").write_text(json.dumps(meta))
    set_state(job_id, "PENDING")
    log("submit", job=int(job_id), comment=meta["comment"])
    subprocess.Popen([sys.executable, sys.argv[0].replace("sbatch", "_runjob"), str(job_id)],
                     start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(job_id)

elif NAME == "_runjob":
    job_id = ARGS[0]
    meta = json.loads((job_dir(job_id) / "meta.json").read_text())
    env = dict(os.environ, SLURM_JOB_ID=str(job_id), SLURM_JOBID=str(job_id),
               SLURM_CPUS_PER_TASK=str(meta["cpus"] or 1), SLURM_JOB_NAME=meta["name"] or "")
    Path(meta["output"]).parent.mkdir(parents=True, exist_ok=True)
    with open(meta["output"], "w") as out:
        process = subprocess.Popen(["/bin/sh", "-c", meta["wrap"]], cwd=meta["workdir"], env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        (job_dir(job_id) / "pgid").write_text(str(process.pid))
        set_state(job_id, "RUNNING")
        cancel = os.environ.get("STUB_SLURM_CANCEL_ONCE")
        marker = STATE / "cancelled-once"
        if cancel and cancel in (meta["comment"] or "") and not marker.exists():
            marker.write_text(str(job_id))
            time.sleep(1.0)
            subprocess.run([sys.argv[0].replace("_runjob", "scancel"), str(job_id)], check=True)
        code = process.wait()
    if get_state(job_id) != "CANCELLED":
        set_state(job_id, "COMPLETED" if code == 0 else "FAILED")

elif NAME == "scancel":
    for job_id in [a for a in ARGS if a.isdigit()]:
        if not job_dir(job_id).exists() or get_state(job_id) not in ("PENDING", "RUNNING"):
            continue
        set_state(job_id, "CANCELLED")
        pgid = job_dir(job_id) / "pgid"
        if pgid.exists():
            try:
                os.killpg(int(pgid.read_text()), signal.SIGTERM)
            except ProcessLookupError:
                pass

elif NAME == "squeue":
    name = option(ARGS, "--name", "-n")
    fmt = option(ARGS, "--format", "-o") or "%i|%T"
    for directory in sorted((STATE / "jobs").glob("*"), key=lambda p: int(p.name)):
        meta = json.loads((directory / "meta.json").read_text())
        if name is None or meta["name"] == name:
            print(fmt.replace("%i", directory.name).replace("%T", get_state(directory.name))
                  .replace("%r", "None"))

elif NAME == "sacct":  # a cluster without accounting storage
    sys.exit("sacct: error: Slurm accounting storage is disabled")

elif NAME == "sacctmgr":
    print(os.environ["STUB_SLURM_ACCOUNT"])

elif NAME == "scontrol":
    print("MinJobAge               = 300 sec")

elif NAME == "sinfo":  # the plugin looks for sinfo to know it is on a SLURM cluster
    print("cpu* up infinite 1 idle node1")

elif NAME == "srun":  # srun -n1 --cpu-bind=q --cpus-per-task=N ... COMMAND...: run COMMAND
    args = list(ARGS)
    while args and args[0].startswith("-"):
        args.pop(0)
    os.execvp(args[0], args)
'''


def install_stubs(directory: Path) -> Path:
    """Write the stub SLURM commands into ``directory/bin``; returns that folder."""
    bin_dir = directory / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("sbatch", "_runjob", "scancel", "squeue", "sacct", "sacctmgr", "scontrol", "sinfo",
                 "srun"):
        path = bin_dir / name
        path.write_text(f"#!{sys.executable}\n{STUB}")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def profile_with_placeholders_set(name: str, destination: Path) -> Path:
    """A copy of a shipped profile with the `<...>` placeholders replaced, nothing else changed."""
    text = (PROFILES / name / "config.yaml").read_text()
    text = text.replace("<your account>", ACCOUNT)
    text = text.replace("<your CPU partition>", "cpu").replace("<your GPU partition>", "gpu")
    assert "<your" not in json.dumps(yaml.safe_load(text))
    destination.mkdir(parents=True)
    (destination / "config.yaml").write_text(text)
    return destination


def run_through_profile(workdir: Path, profile: Path, bin_dir: Path, *targets: str,
                        cancel_once: str = "", timeout: float = 200) -> subprocess.CompletedProcess:
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]])
    env = dict(os.environ, PATH=path,
               STUB_SLURM_STATE=str(workdir / "slurm-state"), STUB_SLURM_ACCOUNT=ACCOUNT,
               STUB_SLURM_CANCEL_ONCE=cancel_once, OMP_NUM_THREADS="1")
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE),
               "--directory", str(workdir), "--configfile", str(TEST_CONFIG),
               "--workflow-profile", str(profile), *targets]
    return subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout, cwd=workdir, env=env)


def events(workdir: Path) -> list[dict]:
    path = workdir / "slurm-state" / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.slow
def test_workflow_runs_through_the_smoke_profile_and_retries_a_cancelled_job(tmp_path: Path) -> None:
    bin_dir = install_stubs(tmp_path / "stub")
    profile = profile_with_placeholders_set("slurm-smoke", tmp_path / "profile")
    workdir = tmp_path / "run"
    workdir.mkdir()
    result = run_through_profile(workdir, profile, bin_dir, "results/data/valid.h5",
                                 cancel_once="rule_encode")
    assert result.returncode == 0, result.stdout
    assert (workdir / "results" / "data" / "valid.h5").exists()

    log = events(workdir)
    submitted = {e["job"]: e["comment"] for e in log if e["event"] == "submit"}
    final = {e["job"]: e["state"] for e in log if e["event"] == "state"}
    cancelled = [job for job, state in final.items() if state == "CANCELLED"]
    assert len(cancelled) == 1, log
    rule = submitted[cancelled[0]]
    assert rule.startswith("rule_encode")
    # The cancelled job was submitted again and completed: the profile's retry.
    again = [job for job, comment in submitted.items() if comment == rule and job != cancelled[0]]
    assert again and final[again[-1]] == "COMPLETED", log
    assert all(state == "COMPLETED" for job, state in final.items() if job != cancelled[0]), log
    calls = [e["command"] for e in log if e["event"] == "call"]
    assert "squeue" in calls and "sacct" not in calls  # polled squeue, never sacct
    # Every job carried the account, the partition and a size from the profile.
    for directory in (workdir / "slurm-state" / "jobs").iterdir():
        meta = json.loads((directory / "meta.json").read_text())
        assert (meta["account"], meta["partition"]) == (ACCOUNT, "cpu")
        assert meta["mem"] and meta["time"]


def test_an_unedited_profile_fails_with_the_documented_account_error(tmp_path: Path) -> None:
    bin_dir = install_stubs(tmp_path / "stub")
    workdir = tmp_path / "run"
    workdir.mkdir()
    profile = tmp_path / "profile"
    shutil.copytree(PROFILES / "slurm-smoke", profile)
    result = run_through_profile(workdir, profile, bin_dir, "results/data/simulated/truth.json",
                                 timeout=120)
    assert result.returncode != 0
    assert "The given account <your appears to be invalid" in result.stdout
    documented = (PROFILES / "slurm" / "config.yaml").read_text()
    assert "The given account <your appears to be invalid" in documented


@pytest.mark.parametrize("name", ["slurm", "slurm-smoke"])
def test_profiles_poll_squeue_and_name_real_plugin_settings(name: str) -> None:
    """Every key of the profile is an option snakemake or the installed plugin knows."""
    profile = yaml.safe_load((PROFILES / name / "config.yaml").read_text())
    assert profile["slurm-status-command"] == "squeue"
    assert profile["slurm-init-seconds-before-status-checks"] == 10
    help_text = subprocess.run([sys.executable, "-m", "snakemake", "--help"], capture_output=True,
                               text=True, check=True).stdout
    for key in profile:
        assert f"--{key}" in help_text, key


def test_multi_gpu_training_divides_the_threads_among_torchrun_ranks(tmp_path: Path) -> None:
    config = yaml.safe_load(TEST_CONFIG.read_text())
    config["device"] = "cuda"
    config["threads"] = 8
    config["models"]["danq"]["gpus"] = 4
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), "--directory",
         str(tmp_path), "--configfile", str(path), "-n", "-p", "--cores", "8"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    torchrun = [line for line in lines if "torchrun" in line and "--arch danq" in line]
    assert torchrun and "--threads 2 " in torchrun[0]  # 8 CPUs over 4 ranks
    single = [line for line in lines if "danq train --arch deepsea" in line]
    assert single and "--threads 8 " in single[0]


def test_cheap_rules_run_on_the_submitting_host(tmp_path: Path) -> None:
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow = api.workflow(resource_settings=ResourceSettings(),
                                config_settings=ConfigSettings(configfiles=[TEST_CONFIG]),
                                snakefile=SNAKEFILE, workdir=tmp_path)
        local = set(workflow._workflow._localrules)
    assert {"compare", "report", "variant_report"} <= local
    assert not local & {"train", "evaluate", "motifs", "variant_effect", "encode"}
