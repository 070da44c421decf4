#!/usr/bin/env bash
# Simulates two hosts on this machine and runs simclr on both over TCP, as `mpirun -H` does on a
# cluster: two network namespaces (simclr-h1 10.77.0.1, simclr-h2 10.77.0.2) joined by a veth
# pair; mpirun runs in h1 and starts the remote daemon in h2 through a launch agent that stands
# in for ssh; Open MPI is limited to TCP on that link (--mca btl tcp,self).
# Needs root (ip netns). Removes the namespaces on exit.
# Usage: Scripts/two-hosts.sh [RATE]     RATE: optional link rate for tc, e.g. 10gbit, 1gbit
#   runs `simclr bench --only mpi` on 2 hosts × 1 thread, then a one-epoch pretrain on the mini
#   slice on 2 hosts against the one-process run (per-step losses, Scripts/compare-runs.py).
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-}
swift build -c release >/dev/null
bin=$PWD/.build/release/simclr
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
work=$(mktemp -d)
cleanup() {
    ip netns del simclr-h1 2>/dev/null || true
    ip netns del simclr-h2 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work"
ip netns add simclr-h1
ip netns add simclr-h2
ip link add simclr-v1 type veth peer name simclr-v2
for i in 1 2; do
    ip link set "simclr-v$i" netns "simclr-h$i"
    ip -n "simclr-h$i" addr add "10.77.0.$i/24" dev "simclr-v$i"
    ip -n "simclr-h$i" link set "simclr-v$i" up
    ip -n "simclr-h$i" link set lo up
    if [ -n "$rate" ]; then
        ip netns exec "simclr-h$i" tc qdisc add dev "simclr-v$i" root tbf rate "$rate" burst 1mbit latency 10ms
    fi
done
# The launch agent: mpirun calls it as `agent HOST COMMAND...` where it would call ssh.
cat >"$work/agent.sh" <<'AGENT'
#!/bin/sh
host=$1; shift
case $host in 10.77.0.1) ns=simclr-h1 ;; 10.77.0.2) ns=simclr-h2 ;; *) echo "unknown host $host" >&2; exit 1 ;; esac
exec ip netns exec "$ns" /bin/sh -c "$*"
AGENT
chmod +x "$work/agent.sh"
mpi=(ip netns exec simclr-h1 mpirun -H 10.77.0.1,10.77.0.2 -np 2 --bind-to none
    --mca plm_rsh_agent "$work/agent.sh" --mca btl tcp,self
    --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24)

echo "== two hosts over TCP${rate:+ at $rate}: simclr bench --only mpi --threads 1 =="
"${mpi[@]}" "$bin" bench --only mpi --threads 1 2>/dev/null
echo "== one-epoch pretrain on the mini slice: 2 hosts against 1 process =="
args=(--data "$PWD/datasets/fashion-mnist-mini/train" --epochs 1 --batch-size 256 --widths 8,16,16
    --projection-dim 16 --threads 1 --optimizer sgd)
"$bin" pretrain "${args[@]}" --out "$work/one" >"$work/one.log" 2>&1
"${mpi[@]}" "$bin" pretrain "${args[@]}" --out "$work/two" >"$work/two.log" 2>&1
grep -E "processes \(MPI\)|communication" "$work/two.log"
python3 Scripts/compare-runs.py "$work/one" "$work/two" --steps 3
