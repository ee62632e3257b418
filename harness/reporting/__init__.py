"""The documents a run leaves: JSON reports (one to_dict() per result) and the HTML page of a run."""
