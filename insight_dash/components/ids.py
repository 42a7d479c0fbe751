"""Component ids shared by layouts, callbacks and browser tests."""

NAVBAR = "navbar"
NAVBAR_USER = "navbar-user"
LOGOUT_BUTTON = "logout-button"
DATASET_LIST = "dataset-list"
DATASET_EMPTY = "dataset-empty"
