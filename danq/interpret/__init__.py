"""Explaining predictions: attributions (ISM, saliency, integrated gradients, DeepLIFT/SHAP), motif discovery and grammar experiments."""
