"""nba_daily: the daily training of the nba engine as an Airflow DAG.

dataset_build -> train -> eval_gate -> promote, each a BashOperator calling
the `nba` binary on the worker, which must see the data lake and the model
registry (the shared volume of the distributed mode):

  dataset_build  nba dataset build: the lake -> one training TSV
  train          nba train on a time split: validation = the day before the
                 run's data interval end, test = the last day; registers a
                 version and hands its number on (XCom, last line of output)
  eval_gate      the new model's full-ranking test NDCG@10 must beat the
                 popularity baseline's on the same split; else the run fails
                 and the version stays registered but unpromoted
  promote        nba models promote, then every running replica is told to
                 serve the version (POST /v1/admin/models/{version}/promote
                 with the admin API key from the worker's NBA_ADMIN_KEY)

The paths and replica addresses are DAG params: set them in the UI or in a
run's conf. Written for Airflow 2.4 or later (`schedule`).
"""

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

WORK = "{{ params.work_dir }}/{{ ds }}"

DATASET_BUILD = f"""
set -euo pipefail
mkdir -p "{WORK}"
"{{{{ params.nba }}}}" dataset build --lake "{{{{ params.lake_dir }}}}" --out "{WORK}/events.tsv"
"""

TRAIN = f"""
set -euo pipefail
day_ms=86400000
end_ms=$(( {{{{ data_interval_end.int_timestamp }}}} * 1000 ))
"{{{{ params.nba }}}}" train --data "{WORK}/events.tsv" --min-item-events 5 \\
  --split time --valid-from $(( end_ms - 2 * day_ms )) --test-from $(( end_ms - day_ms )) \\
  {{{{ params.train_flags }}}} \\
  --registry "{{{{ params.registry_dir }}}}" --metrics-json "{WORK}/metrics.json" | tee "{WORK}/train.log"
version=$(sed -n 's/^registered as version \\([0-9]*\\) .*/\\1/p' "{WORK}/train.log")
[[ -n "$version" ]] || {{ echo "no version in the output of nba train" >&2; exit 1; }}
echo "$version"
"""

EVAL_GATE = f"""
set -euo pipefail
python3 - "{WORK}/metrics.json" <<'PY'
import json, sys
metrics = json.load(open(sys.argv[1]))["metrics"]
model = metrics["test"]["full"]["ndcg@10"]
popularity = metrics["popularity"]["full"]["ndcg@10"]
print(f"test NDCG@10: model {{model:.4f}}, popularity {{popularity:.4f}}")
if not model > popularity:
    sys.exit("eval gate: the model does not beat popularity; not promoted")
PY
"""

PROMOTE = """
set -euo pipefail
version="{{ ti.xcom_pull(task_ids='train') }}"
"{{ params.nba }}" models promote "$version" --registry "{{ params.registry_dir }}"
failed=0
for url in {{ params.replica_urls }}; do
  if curl -fsS --max-time 120 -X POST -H "X-API-Key: $NBA_ADMIN_KEY" "$url/v1/admin/models/$version/promote" >/dev/null; then
    echo "$url serves version $version"
  else
    echo "$url did not load version $version" >&2
    failed=1
  fi
done
exit "$failed"
"""

with DAG(
    dag_id="nba_daily",
    description="Daily SASRec training of the nba engine: dataset build, train, eval gate, promote",
    schedule="30 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": pendulum.duration(minutes=10)},
    params={
        "nba": "/usr/local/bin/nba",
        "lake_dir": "/var/lib/nba/shared/lake",
        "registry_dir": "/var/lib/nba/shared/registry",
        "work_dir": "/var/lib/nba/work",
        "train_flags": "--loss ce --epochs 200 --patience 5 --eval-every 2 --threads 2",
        # Space-separated base URLs of every serve replica (not the load
        # balancer: each replica must hear the promote).
        "replica_urls": "http://127.0.0.1:8081 http://127.0.0.1:8082",
    },
    tags=["nba"],
) as dag:
    dataset_build = BashOperator(task_id="dataset_build", bash_command=DATASET_BUILD)
    train = BashOperator(task_id="train", bash_command=TRAIN, retries=0,
                         execution_timeout=pendulum.duration(hours=6))
    eval_gate = BashOperator(task_id="eval_gate", bash_command=EVAL_GATE, retries=0)
    promote = BashOperator(task_id="promote", bash_command=PROMOTE)

    dataset_build >> train >> eval_gate >> promote
