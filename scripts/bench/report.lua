-- Shared by every bench script (scripts/bench.sh runs each one with wrk -s):
-- after the run, print one machine-readable line that bench.sh parses.
--   BENCH requests=N duration_us=N p50_us=N p99_us=N non2xx3xx=N connect=N read=N write=N timeout=N
-- non2xx3xx is wrk's "Non-2xx or 3xx responses"; the rest are socket errors.
function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx3xx=%d connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(99),
      e.status, e.connect, e.read, e.write, e.timeout))
end

-- Each wrk thread gets its own random stream (scripts that pick random ids or names).
local threads = 0
function setup(thread)
   threads = threads + 1
   thread:set("tid", threads)
end

function init(args)
   math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
end
