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
ANSWERS_SHOWN = "answers-shown"  # which answers the page shows, and in what state
ANSWERS_CHANGED = "answers-changed"  # set by whatever changed the conversation: the cards are brought up to date
WAITING_ID = "job-waiting"  # a background job's place in this host's line (jobs.managers.JobsOnHost)
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

# Answer actions (pattern-matching types, index = the question id)
PIN_ANSWER = "pin-answer"
FOLLOW_UP = "follow-up"
RETRY = "retry"
REPHRASE = "rephrase"  # a declined answer's suggested question; index = "<question id>-<n>"
FOLLOW_UP_OF = "follow-up-of"
FOLLOW_UP_CHIP = "follow-up-chip"
CLEAR_FOLLOW_UP = "clear-follow-up"

# Workspace areas
DATA_PANE = "data-pane"
CONVERSATION_PANE = "conversation-pane"
GALLERY_PANE = "gallery-pane"

# Gallery (pattern-matching types, index = the pinned figure id)
GALLERY = "gallery"
UNPIN = "unpin"
MOVE_UP = "move-up"
MOVE_DOWN = "move-down"

# Views
VIEW_ID = "view-id"
VIEW_NAME_INPUT = "view-name-input"
CREATE_VIEW = "create-view"
VIEW_REDIRECT = "view-redirect"
VIEW_FIGURES = "view-figures"
VIEW_HEADER = "view-header"
ADD_FIGURE_SELECT = "add-figure-select"
ADD_FIGURE = "add-figure"
REMOVE_FIGURE = "remove-figure"  # pattern-matching type, index = the pinned figure id
SHARE_USERS = "share-users"
SHARE_EVERYONE = "share-everyone"
SAVE_SHARING = "save-sharing"
SHARING_STATUS = "sharing-status"
RENAME_VIEW_INPUT = "rename-view-input"
RENAME_VIEW = "rename-view"
DELETE_VIEW = "delete-view"
DELETE_VIEW_CONFIRM = "delete-view-confirm"
PRINT_BUTTON = "print-button"

# Dataset versions
DATA_TABS = "data-tabs"
PREVIEW_VERSION = "preview-version"  # which version the preview and profiles show
NEW_VERSION_BUTTON = "new-version-button"
VERSION_UPLOAD = "version-upload"  # the zone's prefix: "version-upload-zone", "-file", "-result", ...
VERSION_UPLOAD_RESULT = "version-upload-result"
VERSION_UPLOAD_FILE = "version-upload-file"
VERSION_REVIEW = "version-review"
VERSION_LIST = "version-list"
VERSION_POLL = "version-poll"
CONFIRM_VERSION = "confirm-version"
CANCEL_VERSION = "cancel-version"
DELETE_VERSION = "delete-version"  # pattern-matching type, index = the version number

# Living views (pattern-matching types, index = the pinned answer id)
REFRESH_VIEW = "refresh-view"
REFRESH_PIN = "refresh-pin"
ASK_AGAIN = "ask-again"
REFRESH_PROGRESS = "refresh-progress"
REFRESH_STATUS = "refresh-status"
REFRESH_REQUEST = "refresh-request"
PIN_VERSIONS = "pin-versions"  # a card's choice: the newest result or the one before
PIN_GRAPH = "pin-graph"
PIN_AS_OF = "pin-as-of"
PIN_RESULTS = "pin-results"  # both results of a card, for the choice to swap in
