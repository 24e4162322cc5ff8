"""Demo data (issue 17): a newsroom archive made up on the spot, for a lively local site and for
measuring at scale. ``words`` holds small hand-written vocabularies per language, ``text`` turns
them into titles, descriptions, comments and names with a Zipf-like word distribution; the
``demo_data`` management command writes the rows."""
