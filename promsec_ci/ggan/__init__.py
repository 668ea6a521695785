"""The PromSec gGAN: a generator that ranks secure edits on a code graph, trained adversarially
against a discriminator of clean code with a contrastive objective.

Modules: ``model`` (Generator, Discriminator), ``loss`` (Eq. 2-6), ``data`` (measured edits),
``train`` (Algorithm 1), ``ranker`` (inference for the fixer). Nothing here is imported by a
scan that has no findings; torch loads only when one of these modules does.
"""
