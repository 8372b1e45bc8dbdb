"""danq's tests: one folder per package of danq, one file per module."""
