from .gan import GANConfig, Discriminator, Generator
from .vae import VAE, VAEConfig

__all__ = ["GANConfig", "Discriminator", "Generator", "VAE", "VAEConfig"]
