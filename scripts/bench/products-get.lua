-- GET /products/{id} with a random id per request in [BENCH_ID_MIN, BENCH_ID_MAX]
-- (bench.sh sets them to the seeded range; default 1..10000), anonymous.
-- Wrappers set, before loading this file: bench_hot = N (only the first N ids: the hot
-- set a cache keeps) and bench_headers (e.g. Cache-Control: no-cache, past nginx's cache).
--
-- The requests are formatted once per thread in init(), and request() only picks one:
-- wrk runs on the same two cores as the stack it measures, and formatting a request per
-- call (wrk.format builds a header table and concatenates strings) cost ~3.5 µs of CPU
-- per request that /healthz's static request does not pay (measured: wrk 28 → 24.7 µs).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local lo = tonumber(os.getenv("BENCH_ID_MIN") or "1")
local hi = tonumber(os.getenv("BENCH_ID_MAX") or "10000")
if bench_hot then hi = math.min(hi, lo + bench_hot - 1) end
local requests, count = {}, 0

local seed_random = init
function init(args)
   seed_random(args)
   for id = lo, hi do
      count = count + 1
      requests[count] = wrk.format("GET", "/products/" .. id, bench_headers)
   end
end

function request()
   return requests[math.random(count)]
end
