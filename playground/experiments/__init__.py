"""The teaching experiments: the divergence lab's closed forms, DiracGAN, the perfect discriminator."""
