"""A plan as people read it: Markdown, HTML and JSON (`render`, with the report's words in `words` and the HTML
charts in `charts`), a user's own template in a bounded sandbox (`user_template`), the terminal summary
(`summary`), what changed between two plans (`diff`), and the batch's agency table (`summary_table`) and index
pages (`index`)."""
