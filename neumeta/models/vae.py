"""The VAEs of the image-generation experiment; the decoder's hidden width h is what NeuMeta varies.

``MnistVAE`` (method reference 13.1): encoder 784 -> 64 -> 32 -> (mu, log var) with a 2-d latent,
decoder 2 -> 32 (fc4) -> h (fc5) -> 784 (fc6), ReLU, Bernoulli pixels. ``CelebAVAE`` (13.2):
strided 4x4 convolutions 3 -> 64 -> 128 -> 256 -> 512 with BN and LeakyReLU, a 32-d latent, and a
transposed-convolution decoder 512 -> 256 -> 2h -> h -> 3 at 64 x 64.

Both return ``(logits, mu, logvar)`` from one reparameterised draw; the decoder outputs logits
(the reference applies a sigmoid and then BCE: the same loss, computed stably here). ``decode``
gives pixel means in [0, 1].
"""
import torch
import torch.nn as nn


class _VAE(nn.Module):
    def reparameterise(self, mu, logvar, generator=None):
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + eps * torch.exp(0.5 * logvar)

    def forward(self, x, generator=None):
        mu, logvar = self.encode(x)
        return self.decode_logits(self.reparameterise(mu, logvar, generator)), mu, logvar

    def decode(self, z):
        return torch.sigmoid(self.decode_logits(z))


class MnistVAE(_VAE):
    fixed_order_outputs = ("fc31", "fc32", "fc6")  # latent and pixels keep their order under permutation

    def __init__(self, width=64, num_classes=None):  # num_classes: unused, for the common builder signature
        super().__init__()
        self.width, self.latent_dim = width, 2
        self.fc1, self.fc2 = nn.Linear(784, 64), nn.Linear(64, 32)
        self.fc31, self.fc32 = nn.Linear(32, 2), nn.Linear(32, 2)
        self.fc4, self.fc5, self.fc6 = nn.Linear(2, 32), nn.Linear(32, width), nn.Linear(width, 784)

    def encode(self, x):
        h = torch.relu(self.fc2(torch.relu(self.fc1(x.flatten(1)))))
        return self.fc31(h), self.fc32(h)

    def decode_logits(self, z):
        return self.fc6(torch.relu(self.fc5(torch.relu(self.fc4(z)))))

    def decoder_graph(self):
        """The decoder's layers as one module (shared, not copied) and an example input: what pruning traces."""
        return nn.Sequential(self.fc4, nn.ReLU(), self.fc5, nn.ReLU(), self.fc6), torch.zeros(1, self.latent_dim)


class CelebAVAE(_VAE):
    fixed_order_outputs = ("fc_mu", "fc_log_var", "decoder.9")

    def __init__(self, width=64, num_classes=None, latent_dim=32):
        super().__init__()
        h, self.width, self.latent_dim = width, width, latent_dim

        def down(i, o):
            return [nn.Conv2d(i, o, 4, 2, 1), nn.BatchNorm2d(o), nn.LeakyReLU(0.2)]

        def up(i, o):
            return [nn.ConvTranspose2d(i, o, 4, 2, 1), nn.BatchNorm2d(o), nn.LeakyReLU(0.2)]

        self.encoder = nn.Sequential(*down(3, 64), *down(64, 128), *down(128, 256), *down(256, 512),
                                     nn.AdaptiveAvgPool2d(4))
        self.fc_mu, self.fc_log_var = nn.Linear(8192, latent_dim), nn.Linear(8192, latent_dim)
        self.decoder_input = nn.Linear(latent_dim, 8192)
        # decoder.3 (256 -> 2h), decoder.6 (2h -> h) and decoder.9 (h -> 3) depend on h, as in the reference
        self.decoder = nn.Sequential(*up(512, 256), *up(256, 2 * h), *up(2 * h, h), nn.ConvTranspose2d(h, 3, 4, 2, 1))
        for m in self.modules():  # the reference's DCGAN-style initialisation
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)

    def encode(self, x):
        h = self.encoder(x).flatten(1)
        return self.fc_mu(h), self.fc_log_var(h)

    def decode_logits(self, z):
        return self.decoder(self.decoder_input(z).view(-1, 512, 4, 4))

    def decoder_graph(self):
        """The convolutional decoder (shared, not copied) and an example input: what pruning traces."""
        return self.decoder, torch.zeros(1, 512, 4, 4)
