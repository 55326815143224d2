"""Framing-free sample messages that every system-log parser's registry samples are built from.

Each parser wraps them in its own framing (:func:`samples_for`); ``tests/parsers/test_samples.py``
runs them through the real parsers.  Part of :mod:`parsers.system_messages`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from analyzer.model import EventKind
from parsers.patterns import Sample
from parsers.system_units import VMSNAPSHOT_HANDLER

K = EventKind


# --------------------------------------------------------------------------------------------
# Sample messages (framing-free) that every system-log parser's samples are built from.
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MessageSample:
    program: str
    message: str
    kind: EventKind
    attrs: dict[str, Any] = field(default_factory=dict)
    handler: str | None = None


MESSAGE_SAMPLES: tuple[MessageSample, ...] = (
    MessageSample(
        "systemd",
        "Started walinuxagent.service - Azure Linux Agent.",
        K.AGENT_START,
        {"unit": "walinuxagent.service", "unit_state": "started"},
    ),
    MessageSample("systemd", "Starting Azure Linux Agent...", K.ROUTINE, {"unit_state": "starting"}),
    MessageSample("systemd", "Stopped Azure Linux Agent.", K.AGENT_STOP, {"unit_state": "stopped"}),
    MessageSample(
        "systemd",
        "Stopping waagent.service - Azure Linux Agent...",
        K.ROUTINE,
        {"unit": "waagent.service", "unit_state": "stopping"},
    ),
    MessageSample("systemd", "Failed to start Azure Linux Agent.", K.AGENT_CRASH, {"unit_state": "failed_start"}),
    MessageSample(
        "systemd",
        "walinuxagent.service: Main process exited, code=exited, status=1/FAILURE",
        K.AGENT_CRASH,
        {"exit_code": 1, "unit": "walinuxagent.service"},
    ),
    MessageSample(
        "systemd", "walinuxagent.service: Failed with result 'exit-code'.", K.AGENT_CRASH, {"result": "exit-code"}
    ),
    MessageSample(
        "systemd",
        "Unit waagent.service entered failed state.",
        K.AGENT_CRASH,
        {"unit": "waagent.service", "unit_state": "failed"},
    ),
    MessageSample("systemd", "waagent.service failed.", K.AGENT_CRASH, {"unit_state": "failed"}),
    MessageSample(
        "systemd",
        "walinuxagent.service: Scheduled restart job, restart counter is at 3.",
        K.AGENT_CRASH,
        {"restart_count": 3, "unit_state": "restart"},
    ),
    MessageSample(
        "systemd", "waagent.service: Start request repeated too quickly.", K.AGENT_CRASH, {"unit_state": "start_limit"}
    ),
    MessageSample(
        "systemd",
        "walinuxagent.service: A process of this unit has been killed by the OOM killer.",
        K.OOM,
        {"unit": "walinuxagent.service", "unit_role": "agent"},
    ),
    MessageSample(
        "systemd",
        "walinuxagent.service: State 'stop-sigterm' timed out. Killing.",
        K.AGENT_STOP,
        {"state": "stop-sigterm"},
    ),
    MessageSample("systemd", "walinuxagent.service: Deactivated successfully.", K.ROUTINE, {"unit_state": "inactive"}),
    MessageSample(
        "systemd", "walinuxagent.service: Consumed 1min 12.345s CPU time.", K.ROUTINE, {"unit_state": "consumed"}
    ),
    MessageSample(
        "systemd",
        "walinuxagent.service: Killing process 1187 (python3) with signal SIGKILL.",
        K.ROUTINE,
        {"pid": 1187, "unit_state": "killing"},
    ),
    MessageSample(
        "systemd",
        "waagent-network-setup.service: Main process exited, code=exited, status=1/FAILURE",
        K.FIREWALL,
        {"unit_role": "agent_net", "exit_code": 1},
    ),
    MessageSample(
        "systemd",
        "Started /var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/handle.sh enable.",
        K.EXT_ENABLE,
        {"operation": "enable"},
        VMSNAPSHOT_HANDLER,
    ),
    MessageSample(
        "systemd",
        "Started enable_7c5cab19-eb79-4661-95d9-9e5091bd5ae0.scope - /var/lib/waagent/"
        "Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/handle.sh enable.",
        K.EXT_ENABLE,
        {"operation": "enable"},
    ),
    MessageSample(
        "systemd",
        "chrony.service: Main process exited, code=killed, status=9/KILL",
        K.OTHER,
        {"event": "unit_failed", "signal": "KILL"},
    ),
    MessageSample("systemd", "Started Session 12 of User azureuser.", K.ROUTINE, {"unit_state": "started"}),
    MessageSample(
        "kernel",
        "Out of memory: Killed process 23456 (python3) total-vm:812344kB, anon-rss:402332kB, "
        "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1204kB oom_score_adj:0",
        K.OOM,
        {"pid": 23456, "process": "python3", "oom": "killed", "oom_scope": "global"},
    ),
    MessageSample(
        "kernel",
        "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
        "task_memcg=/azure.slice/azure-vmextensions.slice/azure-vmextensions-Microsoft.Azure."
        "RecoveryServices.VMSnapshotLinux.slice,task=python3,pid=23456,uid=0",
        K.OOM,
        {"pid": 23456, "process": "python3", "oom": "summary"},
        VMSNAPSHOT_HANDLER,
    ),
    MessageSample(
        "kernel",
        "python3 invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0",
        K.OOM,
        {"invoker": "python3", "oom": "invoked"},
    ),
    MessageSample(
        "kernel",
        "oom_reaper: reaped process 23456 (python3), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
        K.OOM,
        {"pid": 23456, "oom": "reaped"},
    ),
    MessageSample(
        "systemd-oomd",
        "Killed /system.slice/walinuxagent.service due to memory pressure for "
        "/system.slice being 91.23% > 80.00% for > 20s with reclaim activity",
        K.OOM,
        {"memcg": "/system.slice/walinuxagent.service"},
    ),
    MessageSample("init", "walinuxagent main process (1187) terminated with status 1", K.AGENT_CRASH, {"exit_code": 1}),
    MessageSample(
        "kernel",
        "Linux version 5.15.0-1064-azure (buildd@lcy02-amd64-021) (gcc (Ubuntu 11.4.0-1ubuntu1~"
        "22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #73-Ubuntu SMP Tue Apr 30 14:24:23 UTC 2024",
        K.OTHER,
        {"event": "boot", "kernel": "5.15.0-1064-azure"},
    ),
    MessageSample(
        "systemd",
        "systemd 249.11-0ubuntu3.12 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR)",
        K.OTHER,
        {"event": "boot"},
    ),
    MessageSample("systemd-logind", "System is rebooting.", K.OTHER, {"event": "reboot"}),
    MessageSample("systemd-logind", "System is powering down.", K.OTHER, {"event": "shutdown"}),
    MessageSample("systemd-logind", "Power key pressed short.", K.OTHER, {"event": "shutdown"}),
    MessageSample(
        "kernel",
        "hv_utils: Shutdown request received - graceful shutdown initiated",
        K.OTHER,
        {"event": "shutdown", "initiator": "host"},
    ),
    MessageSample("systemd", "Reached target reboot.target - System Reboot.", K.OTHER, {"event": "reboot"}),
    MessageSample("systemd", "Reached target Shutdown.", K.OTHER, {"event": "shutdown"}),
    MessageSample("systemd", "Shutting down.", K.OTHER, {"event": "shutdown"}),
    MessageSample("systemd-shutdown", "Syncing filesystems and block devices.", K.OTHER, {"event": "shutdown"}),
    MessageSample("kernel", "reboot: Restarting system", K.OTHER, {"event": "reboot"}),
    MessageSample(
        "",
        "-- Boot 3f2e9c1d7a8b4c5d9e0f1a2b3c4d5e6f --",
        K.OTHER,
        {"event": "reboot", "boot_id": "3f2e9c1d7a8b4c5d9e0f1a2b3c4d5e6f"},
    ),
    MessageSample("shutdown", "shutting down for system reboot", K.OTHER, {"event": "reboot"}),
    MessageSample(
        "kernel",
        "INFO: task safefreeze:41235 blocked for more than 120 seconds.",
        K.OTHER,
        {"event": "hung_task", "process": "safefreeze", "pid": 41235, "blocked_s": 120},
    ),
    MessageSample(
        "kernel",
        "watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [fapolicyd:812]",
        K.OTHER,
        {"event": "soft_lockup", "process": "fapolicyd"},
    ),
    MessageSample("kernel", "rcu: INFO: rcu_sched self-detected stall on CPU", K.OTHER, {"event": "rcu_stall"}),
    MessageSample("kernel", "Kernel panic - not syncing: hung_task: blocked tasks", K.OTHER, {"event": "panic"}),
    MessageSample(
        "kernel",
        "blk_update_request: I/O error, dev sdc, sector 2048 op 0x1:(WRITE) flags 0x800 phys_seg 1 prio class 0",
        K.OTHER,
        {"event": "io_error", "device": "sdc", "sector": 2048},
    ),
    MessageSample(
        "kernel",
        "Buffer I/O error on dev sdc1, logical block 0, lost async page write",
        K.OTHER,
        {"event": "io_error", "device": "sdc1"},
    ),
    MessageSample(
        "kernel",
        "EXT4-fs error (device sda1): ext4_find_entry:1455: inode #2: comm python3: reading directory lblock 0",
        K.OTHER,
        {"event": "fs_error", "device": "sda1"},
    ),
    MessageSample(
        "kernel", "EXT4-fs (sdc1): Remounting filesystem read-only", K.OTHER, {"event": "fs_readonly", "device": "sdc1"}
    ),
    MessageSample("kernel", "Aborting journal on device sdc1-8.", K.OTHER, {"event": "fs_error", "device": "sdc1-8"}),
    MessageSample(
        "kernel",
        'XFS (sdc1): metadata I/O error in "xfs_trans_read_buf_map" at daddr 0x2 len 1 error 5',
        K.OTHER,
        {"event": "fs_error", "device": "sdc1"},
    ),
    MessageSample(
        "kernel",
        "sd 1:0:0:0: [sdb] tag#12 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_SENSE cmd_age=0s",
        K.OTHER,
        {"event": "io_error", "device": "sdb"},
    ),
    MessageSample(
        "systemd-journald",
        "Failed to write entry (22 items, 812 bytes) to /var/log/journal/"
        "3c1f/system.journal, ignoring: No space left on device",
        K.DISK_FULL,
        {"errno": 28},
    ),
    MessageSample("python3", "OSError: [Errno 28] No space on the device", K.DISK_FULL, {"errno": 28}),
    MessageSample(
        "kernel",
        "audit: type=1400 audit(1714557612.312:842): avc:  denied  { execute } for  pid=23510 "
        'comm="handle.sh" name="safefreeze" dev="sda2" ino=393310 scontext=system_u:system_r:'
        "waagent_t:s0 tcontext=system_u:object_r:var_lib_t:s0 tclass=file permissive=0",
        K.OTHER,
        {
            "event": "selinux_denial",
            "perm": "execute",
            "process": "handle.sh",
            "file": "safefreeze",
            "permissive": False,
            "waagent": True,
        },
    ),
    MessageSample(
        "setroubleshoot",
        "SELinux is preventing /usr/bin/bash from execute access on the file "
        "/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/safefreeze/"
        "bin/safefreeze. For complete SELinux messages run: sealert -l 5d2c",
        K.OTHER,
        {"event": "selinux_denial", "exe": "/usr/bin/bash", "perm": "execute", "tclass": "file"},
    ),
    MessageSample(
        "kernel",
        'audit: type=1400 audit(1710032596.000:100): apparmor="DENIED" operation="exec" profile="/usr/sbin/x" '
        'name="/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/safefreeze/bin/'
        'safefreeze" pid=4501 comm="python3" requested_mask="x" denied_mask="x" fsuid=0 ouid=0',
        K.OTHER,
        {"event": "apparmor_denial", "operation": "exec", "process": "python3", "pid": 4501},
    ),
    MessageSample(
        "fapolicyd",
        "rule=13 dec=deny_audit perm=execute auid=-1 pid=23510 exe=/usr/bin/bash : "
        "path=/var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-1.0.9225.0/main/handle.sh "
        "ftype=text/x-shellscript trust=0",
        K.OTHER,
        {"event": "fapolicyd_denial", "perm": "execute", "exe": "/usr/bin/bash", "pid": 23510, "waagent": True},
    ),
    MessageSample("fapolicyd", "Starting to listen for events", K.OTHER, {"event": "fapolicyd"}),
    MessageSample(
        "",
        "/dev/sdb1 on /var/lib/waagent type ext4 (rw,nosuid,nodev,noexec,relatime)",
        K.OTHER,
        {"event": "noexec_mount", "mount": "/var/lib/waagent", "covers_waagent": True},
    ),
    MessageSample(
        "",
        "UUID=5a1c-77  /var  xfs  defaults,nodev,noexec  0 0",
        K.OTHER,
        {"event": "noexec_mount", "mount": "/var", "covers_waagent": True},
    ),
    MessageSample(
        "python3",
        "/bin/sh: 1: /var/lib/waagent/Microsoft.Azure.RecoveryServices.VMSnapshotLinux-"
        "1.0.9225.0/main/handle.sh: Permission denied",
        K.OTHER,
        {"event": "permission_denied", "waagent": True},
    ),
    MessageSample(
        "chronyd",
        "System clock wrong by 3602.114520 seconds, adjustment started",
        K.OTHER,
        {"event": "time_jump", "offset_s": 3602.11452},
    ),
    MessageSample(
        "chronyd",
        "System clock was stepped by -3602.114520 seconds",
        K.OTHER,
        {"event": "time_jump", "offset_s": -3602.11452},
    ),
    MessageSample("systemd", "Time has been changed", K.OTHER, {"event": "time_jump"}),
    MessageSample("systemd-journald", "Time jumped backwards, rotating.", K.OTHER, {"event": "time_jump"}),
    MessageSample(
        "ntpdate",
        "step time server 10.0.0.1 offset -3601.234567 sec",
        K.OTHER,
        {"event": "time_jump", "offset_s": -3601.234567},
    ),
    MessageSample(
        "ntpd", "0.0.0.0 c61c 0c clock_step +3600.123456 s", K.OTHER, {"event": "time_jump", "offset_s": 3600.123456}
    ),
    MessageSample(
        "dhclient",
        "DHCPREQUEST for 10.0.0.4 on eth0 to 168.63.129.16 port 67",
        K.DHCP,
        {"dhcp_event": "request", "ip": "10.0.0.4", "interface": "eth0", "server": "168.63.129.16"},
    ),
    MessageSample(
        "dhclient", "DHCPACK of 10.0.0.4 from 168.63.129.16", K.DHCP, {"dhcp_event": "ack", "server": "168.63.129.16"}
    ),
    MessageSample(
        "dhclient",
        "DHCPDISCOVER on eth0 to 255.255.255.255 port 67 interval 3 (xid=0x5a1b2c3d)",
        K.DHCP,
        {"dhcp_event": "discover", "interface": "eth0"},
    ),
    MessageSample("dhclient", "DHCPOFFER of 10.0.0.4 from 168.63.129.16", K.DHCP, {"dhcp_event": "offer"}),
    MessageSample("dhclient", "DHCPNAK from 168.63.129.16 (xid=0x5a1b2c3d)", K.DHCP, {"dhcp_event": "nak"}),
    MessageSample(
        "dhclient",
        "bound to 10.0.0.4 -- renewal in 4294967295 seconds.",
        K.DHCP,
        {"dhcp_event": "bound", "ip": "10.0.0.4"},
    ),
    MessageSample("dhclient", "No DHCPOFFERS received.", K.DHCP, {"dhcp_event": "no_offer"}),
    MessageSample("dhclient", "Listening on LPF/eth0/00:0d:3a:12:34:56", K.DHCP, {"dhcp_event": "client"}),
    MessageSample(
        "NetworkManager",
        "<info>  [1714557600.1234] dhcp4 (eth0): option private_245          => 'a8:3f:81:10'",
        K.DHCP,
        {"dhcp_event": "option", "option": "private_245", "value": "a8:3f:81:10"},
    ),
    MessageSample(
        "systemd-networkd",
        "eth0: DHCPv4 address 10.0.0.4/24, gateway 10.0.0.1 acquired from 168.63.129.16",
        K.DHCP,
        {"dhcp_event": "bound", "server": "168.63.129.16"},
    ),
    MessageSample("systemd-networkd", "eth0: DHCP lease lost", K.DHCP, {"dhcp_event": "lost"}),
    MessageSample(
        "wickedd-dhcp4",
        "eth0: Committed DHCPv4 lease with address 10.0.0.4 (lease time 4294967295 sec, "
        "renew 2147483647 sec, rebind 3758096376 sec)",
        K.DHCP,
        {"dhcp_event": "lease", "ip": "10.0.0.4"},
    ),
    MessageSample(
        "kernel",
        "Command line: BOOT_IMAGE=/boot/vmlinuz-5.15.0-1052-azure root=PARTUUID=5d2c3a1e-01 ro "
        "console=tty1 console=ttyS0 earlyprintk=ttyS0 panic=-1",
        K.ROUTINE,
    ),
    MessageSample(
        "rsyslogd",
        "file '/var/log/messages'[7] write error - see https://www.rsyslog.com/solving-rsyslog-"
        "write-errors/ for help OS error: No space left on device [v8.2102.0-117.el9 try https://www.rsyslog"
        ".com/e/2027 ]",
        K.DISK_FULL,
        {"errno": 28, "file": "/var/log/messages"},
    ),
    MessageSample("CRON", "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)", K.ROUTINE),
    MessageSample("sshd", "error: kex_exchange_identification: Connection closed by remote host", K.OTHER),
)


def samples_for(frame: Callable[[MessageSample], str], **sample_kw: Any) -> tuple[Sample, ...]:
    """Registry samples of a system-log parser: every message sample inside that parser's framing."""
    return tuple(
        Sample(text=frame(s), kind=s.kind, attrs=dict(s.attrs), handler=s.handler, **sample_kw) for s in MESSAGE_SAMPLES
    )
