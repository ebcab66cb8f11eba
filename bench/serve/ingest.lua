-- wrk script: POST /v1/events with batches of <batch> events (1: a single
-- event object) for random users bu1 .. bu<users> over the model's items.
--   wrk ... -s ingest.lua -- <batch> <users> <items.txt>
-- Env: NBA_BENCH_KEY (API key with scope ingest), NBA_BENCH_LUA (this folder).
package.path = os.getenv("NBA_BENCH_LUA") .. "/?.lua;" .. package.path
local result = require("result")

setup = result.setup

local bodies = {}
local next_body = 1
local types = {"view", "view", "view", "click", "add_to_cart", "purchase"}

local function event(users, items)
  return string.format('{"user_id":"bu%d","item_id":"%s","event_type":"%s"}', math.random(1, users),
                       items[math.random(1, #items)], types[math.random(1, #types)])
end

function init(args)
  local batch, users = tonumber(args[1]), tonumber(args[2])
  local items = {}
  for line in io.lines(args[3]) do
    if line ~= "" then items[#items + 1] = line end
  end
  wrk.headers["X-API-Key"] = os.getenv("NBA_BENCH_KEY")
  wrk.headers["Content-Type"] = "application/json"
  math.randomseed(2000 + thread_id)
  -- Pre-built requests keep wrk's own CPU use low: it shares the cores with the server.
  for b = 1, 256 do
    local body
    if batch == 1 then
      body = event(users, items)
    else
      local events = {}
      for i = 1, batch do events[i] = event(users, items) end
      body = "[" .. table.concat(events, ",") .. "]"
    end
    bodies[b] = wrk.format("POST", "/v1/events", nil, body)
  end
end

function request()
  local r = bodies[next_body]
  next_body = next_body % #bodies + 1
  return r
end

done = result.done
