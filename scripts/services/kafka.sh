#!/usr/bin/env bash
# A real Apache Kafka broker (single KRaft node: broker + controller) from
# Maven Central's jars on Java 17, for tests, benchmarks and trying the
# distributed mode on one machine.
#   kafka.sh fetch               jars into $NBA_KAFKA_HOME (once; needs mvn)
#   kafka.sh start DIR [PORT]    format DIR when new, start, wait until it
#                                accepts connections (PORT default 9092;
#                                the controller listens on PORT+1)
#   kafka.sh stop DIR            SIGTERM, wait for a clean exit (kill -9 after 30 s)
#   kafka.sh kill DIR            kill -9 (fault tests)
# The broker's pid is DIR/kafka.pid, its output DIR/kafka.log.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
home=${NBA_KAFKA_HOME:-$HOME/.cache/nba/kafka-4.1.1}

fetch() {
  [[ -f "$home/.complete" ]] && return 0
  command -v mvn >/dev/null || { echo "kafka.sh: mvn not found (run scripts/setup.sh --with-services)" >&2; exit 1; }
  mkdir -p "$home"
  local log
  log=$(mktemp /tmp/nba-kafka-fetch.XXXXXX.log)
  if ! mvn -q -B -f "$here/kafka-pom.xml" dependency:copy-dependencies -DoutputDirectory="$home/libs" >"$log" 2>&1; then
    echo "kafka.sh: fetching the Kafka jars failed; see $log" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  touch "$home/.complete"
}

running() { [[ -f "$1/kafka.pid" ]] && kill -0 "$(cat "$1/kafka.pid")" 2>/dev/null; }

start() {
  local dir=$1 port=${2:-9092}
  fetch
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  running "$dir" && { echo "kafka.sh: already running in $dir" >&2; return 0; }
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$((port + 1))
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$((port + 1))
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=8
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
PROPS
  local java=(java -Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true -cp "$home/libs/*")
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    "${java[@]}" kafka.tools.StorageTool format -t "$("${java[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
      -c "$dir/server.properties" >"$dir/format.log" 2>&1 || { cat "$dir/format.log" >&2; exit 1; }
  fi
  nohup "${java[@]}" kafka.Kafka "$dir/server.properties" >>"$dir/kafka.log" 2>&1 &
  echo $! >"$dir/kafka.pid"
  for _ in $(seq 1 240); do
    if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    running "$dir" || { echo "kafka.sh: the broker exited; see $dir/kafka.log" >&2; tail -n 20 "$dir/kafka.log" >&2; exit 1; }
    sleep 0.25
  done
  echo "kafka.sh: the broker did not listen on $port within 60 s" >&2
  exit 1
}

stop() {
  local dir=$1 signal=${2:-TERM}
  running "$dir" || return 0
  local pid
  pid=$(cat "$dir/kafka.pid")
  kill "-$signal" "$pid"
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || { rm -f "$dir/kafka.pid"; return 0; }; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/kafka.pid"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start "${2:?kafka.sh start DIR [PORT]}" "${3:-9092}" ;;
  stop) stop "${2:?kafka.sh stop DIR}" ;;
  kill) stop "${2:?kafka.sh kill DIR}" KILL ;;
  *) echo "usage: kafka.sh fetch | start DIR [PORT] | stop DIR | kill DIR" >&2; exit 2 ;;
esac
