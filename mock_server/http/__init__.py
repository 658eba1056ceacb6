"""The emulator's HTTP plumbing shared by every provider: the uvicorn runner with its
connection limits, the request body limit, the strict JSON reader, the media routes and
outbound webhook delivery."""
