"""A LocalStack Lambda runtime executor that runs Python handlers in a host subprocess, without Docker."""
