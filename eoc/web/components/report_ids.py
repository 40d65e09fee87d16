"""Component ids of the reports page (/reports); every id starts with "report-"."""

SCOPE = "report-scope"
AS_OF = "report-as-of"
LANG = "report-lang"
PROFILE = "report-profile"
PRODUCED_BY = "report-produced-by"
OVERVIEW = "report-overview"
RESPONSE = "report-response"
GAPS = "report-gaps"
BUILD = "report-build"
REFRESH = "report-refresh-preview"
PUBLISH = "report-publish"
DRAFT_PDF = "report-draft-pdf"  # the button: the draft as PDF
DRAFT_PDF_FILE = "report-draft-pdf-file"  # its download
PROGRESS = "report-progress"
PROGRESS_LABEL = "report-progress-label"
MESSAGE = "report-message"
PREVIEW = "report-preview"
REQUEST = "report-request"  # the draft asked for (small: choices only)
STAGE = "report-stage"  # the draft's model is ready (its cache key and store version)
DRAFT = "report-draft"  # the draft shown in the preview (its key and store version)
ARCHIVE = "report-archive"
