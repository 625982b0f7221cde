"""course-companion: see why the units of a layer end up with different weights.

Rebuilds the course's networks (Course 2, "Advanced Learning Algorithms":
the 25-15-1 sigmoid digits model and the Week 1 coffee model) with constant,
random and mirrored-neuron initializers, records every unit's weights during
training, and measures how far apart they are.

The subpackages follow the data path, and import only along it: ``data`` ->
``models`` -> ``callbacks`` and ``training`` -> ``recording`` -> ``analysis``
-> ``experiments`` -> ``figures`` -> ``report`` -> ``cli`` and ``labs``
(the contract is in ``pyproject.toml``; the README's "Words" list the
vocabulary).
"""
__version__ = "0.1.0"
