"""Distributed data-parallel helpers: join the ``torchrun`` process group, share decisions."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

#: End-of-epoch decisions rank 0 sends to every rank.
CONTINUE, STOP, NOT_FINITE = 0, 1, 2


@dataclass
class DistInfo:
    """Process-group facts: this process's rank, how many there are, and who set the group up."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    initialized_here: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def init_distributed(device_name: str) -> DistInfo:
    """Join the process group that ``torchrun`` describes in the environment (if any).

    NCCL on CUDA, gloo on the CPU. Without ``WORLD_SIZE`` > 1 this is a single-process run.
    """
    import torch.distributed as dist

    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistInfo()
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    if dist.is_initialized():
        return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank, False)
    import torch

    use_cuda = device_name.startswith("cuda") or (
        device_name == "auto" and torch.cuda.is_available()
    )
    if use_cuda:
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return DistInfo(rank, world_size, local_rank, True)


def local_world_size(dist_info: DistInfo) -> int:
    """Processes on this node (``torchrun`` sets ``LOCAL_WORLD_SIZE``)."""
    return int(os.environ.get("LOCAL_WORLD_SIZE", dist_info.world_size))


def broadcast_int(value: int, dist_info: DistInfo, device: Any) -> int:
    """Rank 0's ``value`` on every rank (identity in a single-process run)."""
    if not dist_info.enabled:
        return value
    import torch
    import torch.distributed as dist

    tensor = torch.tensor([value], device=device)
    dist.broadcast(tensor, src=0)
    return int(tensor.item())


def all_ranks_mean(value: Any, dist_info: DistInfo) -> Any:
    """The mean of a tensor over every rank (in place; identity in a single-process run)."""
    if dist_info.enabled:
        import torch.distributed as dist

        dist.all_reduce(value)
        value /= dist_info.world_size
    return value


def gather_objects(obj: Any, dist_info: DistInfo) -> list[Any]:
    """Every rank's ``obj``, in rank order (``[obj]`` in a single-process run)."""
    if not dist_info.enabled:
        return [obj]
    import torch.distributed as dist

    gathered: list[Any] = [None] * dist_info.world_size
    dist.all_gather_object(gathered, obj)
    return gathered


def leave(dist_info: DistInfo) -> None:
    """Destroy the process group if this run created it."""
    if dist_info.initialized_here:
        import torch.distributed as dist

        dist.destroy_process_group()
