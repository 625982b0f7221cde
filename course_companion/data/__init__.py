"""NumPy only: the bundled digits, the learner's own course files, the coffee data, and the named data sets.

``digits`` (``load_digits``, ``load_digits01``, ``load_course_data``, ``check_xy``), ``coffee``
(the Week 1 coffee-roasting data and its good-roast region), ``datasets``
(``load_dataset("digits" | "coffee")``: data with its model and training
settings). Importing this package loads no Keras.
"""
from course_companion.data.coffee import (
    DURATION,
    GOOD_ROAST,
    TEMPERATURE,
    coffee_standardization,
    coffee_training_set,
    is_good_roast,
    make_coffee_data,
    standardized_coffee_data,
)
from course_companion.data.datasets import NAMES, DataSet, course_files, load_dataset
from course_companion.data.digits import COURSE_FEATURES, DIGITS, check_xy, load_course_data, load_digits, load_digits01

__all__ = ["DURATION", "GOOD_ROAST", "TEMPERATURE", "coffee_standardization", "coffee_training_set", "is_good_roast",
           "make_coffee_data", "standardized_coffee_data", "NAMES", "DataSet", "course_files", "load_dataset",
           "COURSE_FEATURES", "DIGITS", "check_xy", "load_course_data", "load_digits", "load_digits01"]
