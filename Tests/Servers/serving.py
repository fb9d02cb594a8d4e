"""What every test server does once it listens: say so in READY_FILE (start_delivery_servers waits for it), then
serve until SIGTERM or SIGINT (stop_delivery_servers stops them by PID)."""
import signal
import threading


def ready_then_wait(ready_file):
    """Writes READY_FILE, blocks until SIGTERM or SIGINT, then returns so the caller stops its servers."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with open(ready_file, "w") as f:
        f.write("ready\n")
    stop.wait()
