"""The CRM tab: the pipeline board, the prospects list and their dialogs."""
