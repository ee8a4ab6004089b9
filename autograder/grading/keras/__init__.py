"""Grading Keras models as data: checked, estimated, rebuilt and trained in a sandboxed child.

The grader side: ``config`` checks a model's JSON config and flattens nested
models, ``budget`` estimates its size and cost before anything is built,
``compare`` turns two descriptions into readable differences, ``memo`` keys
and keeps finished trainings, and ``lab`` sends the work to a trusted sandbox
child. The child side: ``tasks`` serves the requests with ``describe`` (safe
rebuild) and ``train`` (seeded training). ``data`` supplies the images and
``builds`` keeps the models a grader has seen, found by their call.
Keras is imported only inside the functions that build models.
"""
