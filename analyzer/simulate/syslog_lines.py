"""``/var/log/syslog`` of an Ubuntu VM: cron, systemd, logins, reboots (the agent's own records are
copied in by :mod:`analyzer.simulate.agent`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from analyzer.simulate.clock import syslog_stamp
from analyzer.simulate.context import SYSLOG, Sim

_RSYSLOG = {"trusty": "7.4.4", "xenial": "8.16.0", "bionic": "8.32.0", "focal": "8.2001.0", "noble": "8.2312.0"}


def line(sim: Sim, t: datetime, tag: str, msg: str) -> int:
    text = f"{syslog_stamp(sim.local(t))} {sim.host} {tag}: {msg}"
    sim.out.sink(SYSLOG).add(t, text)
    return len(text) + 1


def _systemd_done(sim: Sim, what: str) -> str:
    # systemd 240+ says "Finished" for oneshot services; older ones "Started"
    return f"Finished {what}." if sim.era.codename in ("focal", "noble") else f"Started {what}."


def hourly_cron(sim: Sim, t: datetime) -> None:
    line(sim, t, f"CRON[{sim.pid()}]", "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)")


def daily(sim: Sim, day: datetime) -> None:
    """Log rotation, apt timers and an interactive login on some days."""
    t = day + timedelta(hours=6, minutes=25, seconds=sim.rng.randrange(0, 3))
    line(sim, t, f"CRON[{sim.pid()}]", "(root) CMD (test -x /usr/sbin/anacron || ( cd / && run-parts --report "
         "/etc/cron.daily ))")  # fmt: skip
    version = _RSYSLOG.get(sim.era.codename, "8.2001.0")
    line(
        sim, t + timedelta(seconds=1), "rsyslogd",
        f'[origin software="rsyslogd" swVersion="{version}" x-pid="812" x-info="https://www.rsyslog.com"] '
        "rsyslogd was HUPed",
    )  # fmt: skip
    if sim.era.codename != "trusty":
        t = day + timedelta(hours=sim.rng.randrange(0, 24), minutes=sim.rng.randrange(60))
        line(sim, t, "systemd[1]", "Starting Daily apt download activities...")
        line(
            sim,
            t + timedelta(seconds=sim.rng.randrange(2, 40)),
            "systemd[1]",
            _systemd_done(sim, "Daily apt download activities"),
        )
    if sim.rng.random() < 0.3:
        _login(sim, day + timedelta(hours=sim.rng.randrange(8, 18), minutes=sim.rng.randrange(60)))


def _login(sim: Sim, t: datetime) -> None:
    sim.session += 1
    n = sim.session
    line(sim, t, f"sshd[{sim.pid()}]", f"Accepted publickey for azureuser from 10.0.0.{sim.rng.randrange(5, 250)} port "
         f"{sim.rng.randrange(30000, 65000)} ssh2: RSA SHA256:{sim.uuid().replace('-', '')[:43]}")  # fmt: skip
    line(sim, t, "systemd-logind[802]", f"New session {n} of user azureuser.")
    line(sim, t, "systemd[1]", f"Started Session {n} of user azureuser.")
    t += timedelta(minutes=sim.rng.randrange(2, 50))
    line(sim, t, "systemd-logind[802]", f"Session {n} logged out. Waiting for processes to exit.")
    line(sim, t, "systemd-logind[802]", f"Removed session {n}.")


def noise(sim: Sim, t: datetime) -> int:
    """One burst of an every-minute root cron job (the filler when the agent is not verbose)."""
    pid = sim.pid()
    n = line(sim, t, f"CRON[{pid}]", "pam_unix(cron:session): session opened for user root by (uid=0)")
    n += line(sim, t, f"CRON[{pid + 1}]", "(root) CMD (/usr/local/bin/app-healthcheck.sh >/dev/null 2>&1)")
    n += line(sim, t + timedelta(milliseconds=sim.rng.randrange(50, 900)), f"CRON[{pid}]",
              "pam_unix(cron:session): session closed for user root")  # fmt: skip
    return n


def extension_scope(sim: Sim, t: datetime, command: str) -> None:
    """systemd's line when the agent starts an extension command in a transient scope."""
    if sim.era.cgroups:
        line(sim, t, "systemd[1]", f"Started {sim.handler_dir}/main/handle.sh {command}.")


def shutdown(sim: Sim, t: datetime) -> None:
    line(sim, t, "systemd-logind[802]", "System is rebooting.")
    unit = "Azure Linux Agent" if sim.era.codename != "trusty" else "walinuxagent"
    if sim.era.codename == "trusty":
        line(sim, t, "kernel", "[ 9012.345678] init: walinuxagent main process (1187) killed by TERM signal")
        return
    line(sim, t, "systemd[1]", f"Stopping {unit}...")
    line(sim, t + timedelta(seconds=1), "systemd[1]", f"Stopped {unit}.")


def boot(sim: Sim, t: datetime) -> None:
    era = sim.era
    sim.boot_id += 1
    line(sim, t, "kernel", f"[    0.000000] Linux version {era.kernel} (buildd@lcy02-amd64-045) #60-Ubuntu SMP")
    line(sim, t, "kernel", f"[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-{era.kernel} root=PARTUUID="
         f"{sim.uuid()} ro console=tty1 console=ttyS0 earlyprintk=ttyS0")  # fmt: skip
    t += timedelta(seconds=4)
    if era.codename == "trusty":
        line(sim, t, f"dhclient[{sim.pid()}]", "DHCPACK of 10.0.0.4 from 168.63.129.16")
    else:
        line(
            sim,
            t,
            "systemd-networkd[512]",
            "eth0: DHCPv4 address 10.0.0.4/24, gateway 10.0.0.1 acquired from 168.63.129.16",
        )
    t += timedelta(seconds=3)
    if era.codename != "trusty":
        line(sim, t, "systemd[1]", "Starting Azure Linux Agent...")
        line(sim, t, "systemd[1]", "Started Azure Linux Agent.")
