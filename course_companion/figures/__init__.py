"""Matplotlib only: a style module, shared panels, the coffee unit maps, and one module per experiment.

``style`` (width, footer, the "exactly 0" row), ``panels`` (distances,
heatmaps, unit images), ``maps`` (the coffee model's units as the Week 1 lab
draws them), then ``compare``, ``explain``, ``sweep``, ``landscape``,
``gaps`` and ``breakers``, each with a ``*_figures`` function that gives every figure of its
command by file name. No training and no files here (``report`` writes
them); importing this package loads no Keras.
"""
from course_companion.figures.animation import animate_distances
from course_companion.figures.breakers import breakers_figures, plot_breakers
from course_companion.figures.compare import answer_figure, compare_figures, distances_figure, heatmaps_figure, units_figure
from course_companion.figures.explain import explain_figures, plot_two_neuron_weights
from course_companion.figures.gaps import gaps_figures, plot_gap_curves, plot_separation_epochs
from course_companion.figures.landscape import landscape_figures, plot_swap_paths
from course_companion.figures.maps import plot_unit_maps, unit_maps_figure, unit_outputs
from course_companion.figures.panels import (
    draws_as_maps,
    plot_distance_matrix,
    plot_distances,
    plot_gradients,
    plot_history,
    plot_unit_images,
    plot_units,
    unit_mosaic,
)
from course_companion.figures.style import MAX_WIDTH, add_footer, check_recordings
from course_companion.figures.sweep import aligned_units_figure, plot_alignment, plot_sweep, sweep_figures

__all__ = [
    "breakers_figures", "plot_breakers", "animate_distances", "answer_figure", "compare_figures", "distances_figure", "heatmaps_figure", "units_figure",
    "explain_figures", "plot_two_neuron_weights", "gaps_figures", "plot_gap_curves", "plot_separation_epochs",
    "landscape_figures", "plot_swap_paths", "plot_unit_maps", "unit_maps_figure", "unit_outputs", "draws_as_maps",
    "plot_distance_matrix", "plot_distances", "plot_gradients", "plot_history", "plot_unit_images", "plot_units",
    "unit_mosaic", "MAX_WIDTH", "add_footer", "check_recordings", "aligned_units_figure", "plot_alignment", "plot_sweep",
    "sweep_figures",
]
