"""Import of the published DeepSEA, Beluga and DanQ weights."""
