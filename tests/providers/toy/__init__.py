"""A provider that exists only in the tests: one folder, served by one more line in the
provider list (``create_app(config, providers=[*PROVIDERS, toy.PROVIDER])``).

Its API ("Toy API v1", under ``/toy/v1/``): ``GET /toy/v1/clock`` tells the engine
time, ``POST /toy/v1/echo`` echoes a JSON body with the configured greeting. Errors are
``{"toy_error": word, "detail": text}``.
"""

from mock_server.emulator import Provider
from tests.providers.toy.api import ToySettings, http_error, mount, too_large

PROVIDER = Provider(
    name="toy",
    paths=("/toy/",),
    mount=mount,
    http_error=http_error,
    too_large=too_large,
    settings=ToySettings,
)
