# Peer programs the integration tests start as real processes (servers the
# proxy connects to). Each runs on its own with /usr/bin/python3.
