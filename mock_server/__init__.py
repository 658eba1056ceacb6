"""sora-mock: an offline emulator for the hosted Sora 2 video APIs (Runware, RunComfy).

Usage::

    from mock_server.app import create_app
    app = create_app()            # a Starlette app; serve it with uvicorn

or from a shell: ``sora-mock serve``.
"""

__version__ = "0.1.0"
