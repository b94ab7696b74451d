"""A plan as people read it: Markdown, HTML, JSON and the terminal (`render`, with `charts` and the report words),
a user's own template in the same sandbox (`user_template`), the terminal summary (`summary`), and the batch's
agency table (`summary_table`) and index pages (`index`)."""
