"""The WSGI app the gunicorn test serves: the dashboard over the store in $EOC_STORE."""

from eoc.config import load_settings
from eoc.store import open_store
from eoc.web import create_app

settings = load_settings()
application = create_app(open_store(settings.store), settings).server
