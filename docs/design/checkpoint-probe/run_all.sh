#!/bin/bash
# Sequential probe: one TF process at a time.
cd "$(dirname "$0")"; mkdir -p logs art
export TF_CPP_MIN_LOG_LEVEL=3 CUDA_VISIBLE_DEVICES=""
ROOT=$PWD/art
OUT=$PWD/logs/results.jsonl
T=$PWD/logs/time.txt
PRODUCERS="${PRODUCERS:-1.15 2.0 2.5 2.10 2.13 2.15 2.16 2.19 2.21}"
CONSUMERS="${CONSUMERS:-1.15 2.0 2.5 2.10 2.13 2.15 2.16 2.19 2.21 2.1 2.2 2.3 2.4 2.6 2.7 2.8 2.9 2.11 2.12 2.14 2.17 2.18 2.20}"
py() { echo "$(git rev-parse --show-toplevel)/.tox/tf$1-cpu/bin/python"; }
one() { # role env groups [extra env]
  local role=$1 v=$2 g=$3; shift 3
  local pe=""; for p in $PRODUCERS; do pe="$pe tf$p"; done
  if [ "$g" = legacy ]; then
    /usr/bin/time -f "$role tf$v $g %e wall %U user %S sys %M KB" -a -o $T env TF_USE_LEGACY_KERAS=1 $(py $v) probe.py $role tf$v legacy $ROOT $OUT $pe 2>>logs/stderr-$role-$v.txt
  else
    /usr/bin/time -f "$role tf$v $g %e wall %U user %S sys %M KB" -a -o $T $(py $v) probe.py $role tf$v $g $ROOT $OUT $pe 2>>logs/stderr-$role-$v.txt
  fi
}
roles="${ROLES:-produce consume}"
for role in $roles; do
  if [ $role = produce ]; then list=$PRODUCERS; else list=$CONSUMERS; fi
  for v in $list; do
    if [ $v = 1.15 ]; then one $role $v v1; one $role $v tf2;
    else one $role $v tf2,v1; fi
    case $v in 2.16|2.17|2.18|2.19|2.20|2.21) one $role $v legacy;; esac
  done
done
echo done >> $T
