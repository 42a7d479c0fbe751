"""Component ids shared by layouts, callbacks and browser tests."""

NAVBAR = "navbar"
NAVBAR_USER = "navbar-user"
LOGOUT_BUTTON = "logout-button"

# Home
DATASET_LIST = "dataset-list"
DATASET_LIST_AREA = "dataset-list-area"
DATASET_EMPTY = "dataset-empty"
DATASET_POLL = "dataset-poll"
DELETE_DATASET = "delete-dataset"  # pattern-matching type, index = dataset id
DELETE_CONFIRM = "delete-confirm"
DELETE_TARGET = "delete-target"
UPLOAD_ZONE = "upload-zone"
UPLOAD_FILE = "upload-file"  # the <input type=file> created by assets/upload.js
UPLOAD_PROGRESS = "upload-progress"
UPLOAD_MESSAGE = "upload-message"
UPLOAD_RESULT = "upload-result"

# Dataset page
DATASET_ID = "dataset-id"
DATASET_STATUS = "dataset-status"
DATASET_STATUS_POLL = "dataset-status-poll"
TABLE_SELECT = "table-select"
GRID = "preview-grid"
GRID_AREA = "preview-grid-area"
PROFILE_COLUMN = "profile-column"
PROFILE_CARD = "profile-card"
PARSE_WARNINGS = "parse-warnings"

# Shell
APP_TOAST = "app-toast"

# Asking
QUESTION_INPUT = "question-input"
ASK_BUTTON = "ask-button"
ANSWERS = "answers"
CANCEL_BUTTON = "cancel-button"
PENDING_QUERY = "pending-query"
ANSWERS_POLL = "answers-poll"
SUGGESTION = "suggestion"  # pattern-matching type, index = the question's position
SUGGESTIONS = "suggestions"
SESSION_SELECT = "session-select"
NEW_SESSION = "new-session"
DELETE_SESSION = "delete-session"
RENAME_INPUT = "rename-input"
RENAME_BUTTON = "rename-button"
DELETE_SESSION_CONFIRM = "delete-session-confirm"
DOWNLOAD_TABLE = "download-table"  # pattern-matching type, index = the question id
TABLE_DOWNLOAD = "table-download"
