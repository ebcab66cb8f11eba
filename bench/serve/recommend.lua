-- wrk script: GET /v1/recommendations?user_id=bu<n>&k=10 for the users
-- run.sh loaded (bu1 .. bu<users>).
--   wrk ... -s recommend.lua -- cycle <users>   the first <users> users in turn (cache-hit runs)
--   wrk ... -s recommend.lua -- random <users>  uniformly random users (cache-miss runs)
-- Env: NBA_BENCH_KEY (API key with scope recommend), NBA_BENCH_LUA (this folder).
package.path = os.getenv("NBA_BENCH_LUA") .. "/?.lua;" .. package.path
local result = require("result")

setup = result.setup

local paths = {}
local next_path = 1

function init(args)
  local mode, users = args[1], tonumber(args[2])
  wrk.headers["X-API-Key"] = os.getenv("NBA_BENCH_KEY")
  math.randomseed(1000 + thread_id)
  -- Pre-built paths keep wrk's own CPU use low: it shares the cores with the server.
  local n = mode == "cycle" and users or 20000
  for i = 1, n do
    local u = mode == "cycle" and ((i + (thread_id - 1) * 997) % users) + 1 or math.random(1, users)
    paths[i] = wrk.format("GET", "/v1/recommendations?user_id=bu" .. u .. "&k=10")
  end
end

function request()
  local r = paths[next_path]
  next_path = next_path % #paths + 1
  return r
end

done = result.done
