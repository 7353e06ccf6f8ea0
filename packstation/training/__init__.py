"""Training mode (`packstation run --training`): practice orders in a sandbox of their own.

- `lessons.py`: the lessons a lead picks, as plain data (orders to make, faults to inject);
- `practice.py`: practice orders made from the real catalogue's items and the station
  config, with what is "in the tote" (and what is wrong with it);
- `coach.py`: the guide beside the real pack workflow: what to scan next (drawn large on
  screen), the injected faults (a wrong item in the tote, a scale reading wrong, a
  document missing from the tray) and how the trainee handled them;
- `scoring.py`: a lesson's score (time per unit, errors by kind, faults handled right);
- `sandbox.py`: the sandbox SQLite database, filled from the real one by reading only;
- `store.py`: the scores store, a database apart from the real one, where each lesson's
  score goes (`report training`, the lead's trainees view and queue column read it);
- `preview.py`: the printer that prints to the screen (the label's text is shown).

The pure parts (lessons, practice, coach, scoring) import no database, UI or device code.
Training never writes the real database: it is read once, when the sandbox is made.
"""
