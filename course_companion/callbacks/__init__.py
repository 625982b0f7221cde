"""Keras callbacks: ``UnitRecorder``, ``ReplicaRecorder``, ``ProgressLine``; the recorder's snapshots and probe.

One callback per file, as ``keras.callbacks`` keeps them; users write
``from course_companion.callbacks import UnitRecorder``.
"""
from course_companion.callbacks.progress import ProgressLine
from course_companion.callbacks.recorder import UnitRecorder
from course_companion.callbacks.replica_recorder import ReplicaRecorder
from course_companion.callbacks.snapshots import StepSnapshots

__all__ = ["UnitRecorder", "ReplicaRecorder", "ProgressLine", "StepSnapshots"]
