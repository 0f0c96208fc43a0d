from .classifier import Classifier, ClassifierConfig
from .gan import GANConfig, Discriminator, Generator
from .vae import VAE, VAEConfig

__all__ = ["Classifier", "ClassifierConfig", "GANConfig", "Discriminator", "Generator", "VAE", "VAEConfig"]
