"""results.txt of the agent's log collector."""

from __future__ import annotations

from datetime import datetime

from analyzer.model import Clock, EventKind
from parsers import registry
from parsers.testing import parse_text

KIND = "logcollector_results"

# Composed from the format strings of azurelinuxagent/ga/logcollector.py (UTC asctime, levelname).
RESULTS = """2024-03-05T03:10:01Z INFO Starting log collection at 2024-03-05T03:10:01Z
2024-03-05T03:10:01Z INFO Using log collection mode normal
2024-03-05T03:10:01Z INFO Using /var/lib/waagent as $LIB_DIR
2024-03-05T03:10:01Z INFO Using /var/log/azure as $LOG_DIR
2024-03-05T03:10:01Z INFO Using /var/log/waagent.log as $AGENT_LOG
2024-03-05T03:10:01Z INFO Output of command [ls -alF /var/lib/waagent]:
total 1320
drwxr-xr-x 12 root root    4096 Mar  5 03:09 ./
-rw-r--r--  1 root root    1024 Mar  5 02:41 waagent_status.json
2024-03-05T03:10:01Z INFO /var/log/waagent.log
2024-03-05T03:10:02Z INFO ### Preparing list of files to add to archive ###
2024-03-05T03:10:02Z INFO Adding file /var/log/waagent.log, size 10485760 b
2024-03-05T03:10:02Z INFO Adding truncated file /var/lib/waagent/logcollector/truncated/var_log_syslog, size 31457280 b
2024-03-05T03:10:02Z WARNING File /var/log/azure/cse/handler.log does not exist, skipping collection for this file
2024-03-05T03:10:02Z INFO Uncompressed archive size is 41943040 b
2024-03-05T03:10:02Z INFO ### Creating compressed archive ###
2024-03-05T03:10:09Z WARNING Failed to add file /var/log/secure to the archive: [Errno 13] Permission denied
2024-03-05T03:10:09Z INFO Successfully compressed files. Compressed archive size is 5242880 b
2024-03-05T03:10:09Z INFO Finishing log collection at 2024-03-05T03:10:09Z
2024-03-05T03:10:09Z INFO Elapsed time: 8123 ms
"""


def test_full_run():
    events, ctx = parse_text(KIND, RESULTS, path="results.txt")
    assert ctx.warnings == [] and ctx.unclassified == 0
    assert events[0].wall == datetime(2024, 3, 5, 3, 10, 1) and events[0].clock == Clock.UTC
    listing = events[5]
    assert listing.kind == EventKind.ROUTINE and listing.message.count("\n") == 3
    facts = {f.key: f.value for f in ctx.facts}
    assert facts["logcollector.start"] == "2024-03-05T03:10:01Z"
    assert facts["logcollector.end"] == "2024-03-05T03:10:09Z"
    assert facts["logcollector.mode"] == "normal"
    assert facts["logcollector.lib_dir"] == "/var/lib/waagent"
    assert (facts["logcollector.files_added"], facts["logcollector.files_truncated"]) == (2, 1)
    assert (facts["logcollector.files_missing"], facts["logcollector.errors"]) == (1, 1)
    assert facts["logcollector.compressed_size"] == 5242880
    failed = next(e for e in events if e.attrs.get("path") == "/var/log/secure")
    assert failed.level == "WARNING" and failed.kind == EventKind.CONFIG


def test_sniffer_and_long_listing():
    assert registry.kind_from_content(RESULTS[:1024]) == KIND
    text = "2024-03-05T03:10:01Z INFO Output of command [ls -alF /var/log]:\n" + "-rw-r--r-- 1 root root 1 x\n" * 5000
    events, _ = parse_text(KIND, text, path="results.txt")
    assert len(events) == 1 and "more lines" in events[0].message


def test_garbage_and_bad_time():
    events, ctx = parse_text(KIND, "random text\n2024-13-40T99:99:99Z INFO Using log collection mode full\n")
    assert ctx.unclassified == 1 and events[0].wall is None and len(ctx.warnings) == 1
