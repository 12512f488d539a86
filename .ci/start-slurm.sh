#!/usr/bin/env bash
# .ci/start-slurm.sh — a one-node Slurm cluster on this Debian machine, for the `slurm` tests.
#
#   .ci/start-slurm.sh [start]   install Debian's munge/slurmctld/slurmd/slurm-client if missing,
#                                write /etc/slurm/{slurm,gres}.conf, start munged, slurmctld and
#                                slurmd, wait until a real `srun true` runs.  Idempotent.
#   .ci/start-slurm.sh stop      stop the three daemons (by their pid files); packages stay.
#   .ci/start-slurm.sh status    print daemons + node; exit 0 only if the node accepts jobs.
#
# What the cluster looks like (what tests/test_slurm*.py rely on):
#   * one node (this machine, all its CPUs, 80 % of its memory), one partition `ci` (default);
#   * two FAKE GPUs (gres gpu:2, so two one-GPU training jobs run side by side on a 2-core CI
#     machine), each a character device with the numbers of /dev/null: jobs that ask for a GPU
#     are scheduled and get CUDA_VISIBLE_DEVICES, but torch sees no CUDA.  Training jobs
#     therefore need CURSE_OF_MEMORY_ALLOW_CPU=1 here (the tests set it);
#   * no accounting database (AccountingStorageType=accounting_storage/none): `sacct` fails, so the
#     profile polls with `squeue`; MinJobAge=3600 keeps finished jobs visible to squeue for an
#     hour: the plugin needs MinJobAge >= 3 x slurm-init-seconds-before-status-checks (else it
#     switches to sacct on its own and then waits forever), and the tests read every job of a
#     run (state, partition, account, GPU) from squeue/scontrol after the run has ended.
#
# Environment knobs: CURSE_SLURM_NO_INSTALL=1 (never apt-get), CURSE_SLURM_WAIT=60 (seconds to wait
# for the node), CURSE_SLURM_FAKE_GPUS=2 (0: no GPU gres).  Needs root (re-runs itself with `sudo -n` otherwise).
set -euo pipefail
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

ACTION="${1:-start}"
WAIT="${CURSE_SLURM_WAIT:-60}"
NGPU="${CURSE_SLURM_FAKE_GPUS:-2}"
PARTITION=ci
CONF=/etc/slurm
RUN=/run/slurm
LOGD=/var/log/slurm
CTLD_PID=$RUN/slurmctld.pid
SLURMD_PID=$RUN/slurmd.pid
MUNGE_PID=/run/munge/munged.pid

say() { echo "[start-slurm] $*" >&2; }
die() { say "error: $*"; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null && sudo -n true 2>/dev/null \
    && exec sudo -n --preserve-env=CURSE_SLURM_NO_INSTALL,CURSE_SLURM_WAIT,CURSE_SLURM_FAKE_GPUS "$0" "$@"
  die "must run as root (or with password-less sudo) to install and start Slurm"
fi

# A daemon is alive if its pid file names a live, non-zombie process with the expected name
# (kill -0 is not enough: a SIGKILLed daemon can linger as a zombie in containers).
alive() { # $1 pid file, $2 process name
  local pid state
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" != Z ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

stop_daemon() { # $1 pid file, $2 process name
  if alive "$1" "$2"; then
    local pid; pid=$(cat "$1")
    say "stopping $2 (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do alive "$1" "$2" || break; sleep 0.2; done
    if alive "$1" "$2"; then say "$2 ignored SIGTERM; SIGKILL"; kill -9 "$pid" 2>/dev/null || true; sleep 0.5; fi
  fi
  rm -f "$1"
}

node_name() { local n; n=$(hostname -s 2>/dev/null || true); echo "${n:-localhost}"; }

show_logs() { tail -n 15 "$LOGD/slurmctld.log" "$LOGD/slurmd.log" >&2 2>/dev/null || true; }

case "$ACTION" in
  stop)
    stop_daemon "$SLURMD_PID" slurmd
    stop_daemon "$CTLD_PID" slurmctld
    stop_daemon "$MUNGE_PID" munged
    exit 0 ;;
  status)
    ok=0
    for d in "$MUNGE_PID:munged" "$CTLD_PID:slurmctld" "$SLURMD_PID:slurmd"; do
      if alive "${d%%:*}" "${d##*:}"; then echo "${d##*:}: running (pid $(cat "${d%%:*}"))"
      else echo "${d##*:}: not running"; ok=1; fi
    done
    command -v sinfo >/dev/null && sinfo -N -o "%N %P %T %c %m %G" 2>&1 || true
    exit "$ok" ;;
  start) ;;
  *) die "unknown action '$ACTION' (use start, stop or status)" ;;
esac

t0=$(date +%s)

# ---- packages (Debian's: slurm-wlm 22.05 on bookworm) ---------------------------------------
missing=()
for bin in munged slurmctld slurmd sbatch; do command -v "$bin" >/dev/null || missing+=("$bin"); done
if [ "${#missing[@]}" -gt 0 ]; then
  [ -n "${CURSE_SLURM_NO_INSTALL:-}" ] && die "missing ${missing[*]} and CURSE_SLURM_NO_INSTALL is set"
  say "installing munge slurmctld slurmd slurm-client (missing: ${missing[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # postinst tries to start services and policy-rc.d refuses: harmless, we start them by hand.
  apt-get install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client >/dev/null 2>&1 \
    || die "apt-get install munge slurmctld slurmd slurm-client failed"
fi

# ---- munge -----------------------------------------------------------------------------------
install -d -o munge -g munge -m 0700 /etc/munge /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
  say "creating /etc/munge/munge.key"
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key
if ! { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }; then
  stop_daemon "$MUNGE_PID" munged
  say "starting munged"
  runuser -u munge -- /usr/sbin/munged --force   # --force: accept a stale socket
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  { munge -n | unmunge >/dev/null; } || die "munged started but munge -n | unmunge fails"
fi

# ---- configuration ---------------------------------------------------------------------------
NODE=$(node_name)
CPUS=$(nproc)
MEM=$(awk '/^MemTotal:/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)  # > detected => node drains

install -d -m 0755 "$CONF" /var/spool/slurmd
install -d -o slurm -g slurm -m 0755 "$RUN" "$LOGD" /var/spool/slurmctld

# Fake GPUs: gres.conf needs a character device per GPU (slurmd rejects regular files and counts 0
# GPUs without File=); a fresh node with the numbers of /dev/null (c 1 3) serves.
gres_conf=""; gres_types=""; node_gres=""
if [ "$NGPU" -gt 0 ]; then
  gpu_files=/var/spool/slurmd/fake-gpu0
  [ "$NGPU" -gt 1 ] && gpu_files="/var/spool/slurmd/fake-gpu[0-$((NGPU - 1))]"
  for i in $(seq 0 $((NGPU - 1))); do
    f=/var/spool/slurmd/fake-gpu$i
    [ -c "$f" ] && continue
    rm -f "$f"
    if ! mknod -m 0666 "$f" c 1 3 2>/dev/null; then
      say "mknod refused; one fake GPU on /dev/null"; NGPU=1; gpu_files=/dev/null; break
    fi
  done
  gres_conf="NodeName=$NODE Name=gpu File=$gpu_files"
  gres_types="GresTypes=gpu"
  node_gres="Gres=gpu:$NGPU"
fi

slurm_conf="# written by .ci/start-slurm.sh (curse-of-memory CI): one node, fake GPU, no accounting
ClusterName=curse-ci
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
ReturnToService=2
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=$LOGD/slurmctld.log
SlurmdLogFile=$LOGD/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=500
KillWait=5
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=3600
$gres_types
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM $node_gres State=UNKNOWN
PartitionName=$PARTITION Nodes=$NODE Default=YES MaxTime=INFINITE State=UP"

changed=0
if [ "$(cat "$CONF/slurm.conf" 2>/dev/null)" != "$slurm_conf" ]; then
  printf '%s\n' "$slurm_conf" >"$CONF/slurm.conf"; changed=1
fi
if [ "$(cat "$CONF/gres.conf" 2>/dev/null)" != "$gres_conf" ]; then
  printf '%s\n' "$gres_conf" >"$CONF/gres.conf"; changed=1
fi
chmod 0644 "$CONF/slurm.conf" "$CONF/gres.conf"
if [ "$changed" = 1 ]; then
  say "configuration written; restarting any running slurm daemons"
  stop_daemon "$SLURMD_PID" slurmd
  stop_daemon "$CTLD_PID" slurmctld
fi

# ---- daemons ---------------------------------------------------------------------------------
if ! alive "$CTLD_PID" slurmctld; then
  rm -f "$CTLD_PID"
  say "starting slurmctld"
  # -c: start without saved job state; after a crash the old jobs would come back RUNNING and
  # hold the node until their time limit.
  slurmctld -c || { show_logs; die "slurmctld did not start"; }
fi
for _ in $(seq 50); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
scontrol ping 2>/dev/null | grep -q UP || { show_logs; die "slurmctld does not answer scontrol ping"; }
if ! alive "$SLURMD_PID" slurmd; then
  rm -f "$SLURMD_PID"
  say "starting slurmd on node $NODE"
  slurmd -N "$NODE" || { show_logs; die "slurmd did not start"; }
fi

# ---- wait until the node really runs jobs ----------------------------------------------------
deadline=$(($(date +%s) + WAIT))
while :; do
  state=$(sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -n1 || true)
  case "$state" in
    idle | mixed | allocated | completing) break ;;
    *drain* | *down* | *fail* | *inval*) scontrol update NodeName="$NODE" State=RESUME 2>/dev/null || true ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || { show_logs; die "node $NODE not ready after ${WAIT}s (state '$state')"; }
  sleep 0.5
done
# sinfo can still show the previous controller's view; a real job proves the node works.
timeout "$WAIT" srun -N1 -n1 -t 1 --mem=10 -J curse-ci-smoke true \
  || { show_logs; die "smoke job 'srun true' failed on node $NODE"; }
say "cluster up: node $NODE ($CPUS CPUs, ${MEM} MB, $NGPU fake GPU), partition $PARTITION, $(($(date +%s) - t0))s"
