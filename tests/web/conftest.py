from tests.web.support import browser

__all__ = ["browser"]
