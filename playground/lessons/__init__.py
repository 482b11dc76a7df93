"""Guided lessons: steps that show a preset, a comparison or a teaching page, each with checks on what
the student's runs show (lesson.py: the file format; checks.py: the kinds; progress.py: what came
true and when; handout.py: the Markdown and zip a student keeps). The lessons are files/*.toml."""
