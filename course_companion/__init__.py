"""course-companion: see why the units of a layer end up with different weights.

Rebuilds the course's 25-15-1 sigmoid model (Course 2, "Advanced Learning
Algorithms") with constant, random and mirrored-neuron initializers, records
every unit's weights during training, and measures how far apart they are.
"""
__version__ = "0.1.0"
