"""The workflow report: Markdown and HTML, figures, baselines beside each model."""
