"""One inference core: every model runs through the Predictor."""
