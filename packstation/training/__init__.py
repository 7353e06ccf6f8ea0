"""Training mode (`packstation run --training`): practice orders in a sandbox of their own.

- `lessons.py`: the lessons a lead picks, as plain data (orders to make, faults to inject);
- `practice.py`: practice orders made from the real catalogue's items and the station
  config, with what is "in the tote" (and what is wrong with it);
- `coach.py`: the guide beside the real pack workflow: what to scan next (drawn large on
  screen), the injected faults (a wrong item in the tote, a scale reading wrong, a
  document missing from the tray) and how the trainee handled them;
- `scoring.py`: a lesson's score (time per unit, errors by kind, faults handled right);
- `sandbox.py`: the sandbox SQLite database, filled from the real one by reading only;
- `preview.py`: the printer that prints to the screen.

The pure parts (lessons, practice, coach, scoring) import no database, UI or device code.
The real database is written once per lesson, at its end: one `training.scored` event
(`models/training_repo.py`).
"""
