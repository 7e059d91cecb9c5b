"""helpers: Chinese government final accounts (部门决算) as tidy, traceable data.

Reading reports (text and PDF), finding the nine standard tables, parsing the narrative, consistency
checks, plots and the runners. The public interface is the datasets described in
``docs/DATA_DICTIONARY.md``; see the README for the commands.
"""

__version__ = "0.1.0"
