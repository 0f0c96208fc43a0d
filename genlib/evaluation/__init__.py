"""Scoring samples and runs with the lab's judge classifier: metrics, reference rows, latent tools, copies."""
