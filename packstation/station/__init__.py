"""The application layer of one station: the workflow's database context, the
store that commits its records, and the runner thread that ties them together.
No Textual here: the UI talks to the runner through callbacks."""
