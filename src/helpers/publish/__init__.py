"""How pages look: the nbconvert page template (pages.py), the index page and its verdicts
(index_page.py), figures with Chinese text (plots.py, fonts.py)."""
