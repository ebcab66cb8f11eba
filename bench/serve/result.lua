-- Shared by the wrk scripts of bench/serve: done() prints one line
--   NBA_RESULT {"requests": N, "duration_s": x, "rps": x, "p50_ms": x, "p99_ms": x, "errors": {...}}
-- that run.sh extracts; wrk's own --latency table stays in the log beside it.
local M = {}

-- wrk's setup(): numbers the threads (thread_id 1..n) so each seeds its own randomness.
local threads = 0
function M.setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'NBA_RESULT {"requests": %d, "duration_s": %.3f, "rps": %.1f, "p50_ms": %.3f, "p90_ms": %.3f, ' ..
    '"p99_ms": %.3f, "max_ms": %.3f, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, e.connect, e.read, e.write, e.status, e.timeout))
end

return M
