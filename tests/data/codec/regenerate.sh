#!/usr/bin/env bash
# Regenerates the binary protobuf goldens (*.pb) from their text form (*.txtpb) with protoc.
# The .pb files are committed: tests read them and never run protoc. The .json goldens are
# written by hand and are the exact bytes our JSON encoder must produce.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
for pair in task_assigned:TaskAssigned task_completed:TaskCompleted task_failed:TaskFailed \
            agent_metrics:AgentMetrics work_steal:WorkSteal best_agent_request:BestAgentRequest; do
  name="${pair%%:*}"; message="${pair##*:}"
  protoc --encode="wss.v1.$message" -I "$root/schemas" "$root/schemas/fleet.proto" \
    < "$here/$name.txtpb" > "$here/$name.pb"
done
