"""Nothing of governance is in the admin: the Coordinator keeps it through the service's own
pages, where edits are checked, locked against overwriting and audited with their actor."""
