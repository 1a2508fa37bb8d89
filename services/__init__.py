"""The deployable services. No service imports another; they share only `contracts` and the `pickvs` runtime."""
