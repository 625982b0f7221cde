"""``python -m course_companion``: see ``course_companion.cli``."""
import sys

from course_companion.cli import main

if __name__ == "__main__":
    sys.exit(main())
