"""The optimisers a run can choose (RunConfig.g_optim / d_optim): name -> factory(params, lr, β₁, β₂).
RMSprop and SGD take no betas."""
from __future__ import annotations

import torch

OPTIMIZERS = {
    "adam": lambda params, lr, b1, b2: torch.optim.Adam(params, lr=lr, betas=(b1, b2)),
    "rmsprop": lambda params, lr, b1, b2: torch.optim.RMSprop(params, lr=lr),
    "sgd": lambda params, lr, b1, b2: torch.optim.SGD(params, lr=lr),
}
