#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the Slurm tests (see the note in README "Slurm").
#   scripts/slurm-cluster.sh start   install slurm-wlm + munge if missing (apt, as root), write
#                                    /etc/slurm/slurm.conf, start munged, slurmctld, slurmd; wait
#                                    until the node is idle
#   scripts/slurm-cluster.sh stop    stop the daemons this script started, by their PID files
#   scripts/slurm-cluster.sh status  exit 0 when the node answers sinfo
# State, logs and PID files live in $FTS_SLURM_DIR (default /tmp/fts-slurm). Needs root.
set -euo pipefail

DIR="${FTS_SLURM_DIR:-/tmp/fts-slurm}"
CONF=/etc/slurm/slurm.conf
MARK='# Written by finetune-studio scripts/slurm-cluster.sh'

die() { echo "slurm-cluster: $*" >&2; exit 1; }

install_packages() {
  command -v slurmctld >/dev/null && command -v munged >/dev/null && return 0
  [ "$(id -u)" = 0 ] || die "slurm-wlm and munge are missing and installing them needs root"
  command -v apt-get >/dev/null || die "slurm-wlm and munge are missing and there is no apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
}

start_munge() {
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    head -c 1024 /dev/urandom >/etc/munge/munge.key
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if munge -n >/dev/null 2>&1; then return 0; fi
  # munged daemonises and writes its own PID file.
  su -s /bin/sh munge -c "/usr/sbin/munged --pid-file=$DIR/munged.pid" || die "munged did not start (see /var/log/munge/munged.log)"
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "munged started but munge -n fails"
}

write_conf() {
  local host cpus mem
  host="$(hostname -s)"
  cpus="$(nproc)"
  mem="$(awk '/MemTotal/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)"
  if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then die "$CONF exists and was not written by this script; not touching it"; fi
  mkdir -p /etc/slurm "$DIR/state" "$DIR/spool"
  cat >"$CONF" <<CONF
$MARK
ClusterName=fts
SlurmctldHost=$host
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
ReturnToService=2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SchedulerType=sched/backfill
# Fast turnaround for tests: schedule and clean up within a second or two.
SchedulerParameters=sched_interval=1
MinJobAge=300
KillWait=5
JobRequeue=1
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

node_idle() { sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; }

start() {
  install_packages
  mkdir -p "$DIR"
  start_munge
  write_conf
  if node_idle; then echo "slurm-cluster: already up"; return 0; fi
  slurmctld -f "$CONF" || die "slurmctld did not start (see $DIR/slurmctld.log)"
  slurmd -f "$CONF" || die "slurmd did not start (see $DIR/slurmd.log)"
  for _ in $(seq 300); do
    if node_idle; then echo "slurm-cluster: up ($(sinfo -h -o '%P %D %T'))"; return 0; fi
    sleep 0.2
  done
  die "the node did not become idle within 60 s: $(sinfo -N 2>&1 | tail -1); logs in $DIR"
}

stop_pid() {
  local file="$1"
  [ -f "$file" ] || return 0
  local pid
  pid="$(cat "$file")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$file"
}

stop() {
  stop_pid "$DIR/slurmd.pid"
  stop_pid "$DIR/slurmctld.pid"
  stop_pid "$DIR/munged.pid"
  echo "slurm-cluster: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) node_idle ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
