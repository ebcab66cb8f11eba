-- wrk script: bench/serve/ingest.lua with a pause of <pause_ms> before each
-- request on every connection, so the offered load is about
-- connections / (pause + latency) requests per second (wrk has no rate flag).
--   wrk ... -s ingest_paced.lua -- <batch> <users> <items.txt> <pause_ms>
dofile(os.getenv("NBA_BENCH_LUA") .. "/ingest.lua")
local ingest_init = init
local pause_ms = 0

function init(args)
  pause_ms = tonumber(args[4])
  ingest_init(args)
end

function delay()
  return pause_ms
end
