"""File formats danq writes and reads besides its datasets and checkpoints."""
