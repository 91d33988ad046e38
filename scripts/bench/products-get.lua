-- GET /products/{id} with a random id per request in [BENCH_ID_MIN, BENCH_ID_MAX]
-- (bench.sh sets them to the seeded range; default 1..10000).
--
-- The requests are formatted once per thread in init(), and request() only picks one:
-- wrk runs on the same two cores as the stack it measures, and formatting a request per
-- call (wrk.format builds a header table and concatenates strings) cost ~3.5 µs of CPU
-- per request that /healthz's static request does not pay (measured: wrk 28 → 24.7 µs).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local lo = tonumber(os.getenv("BENCH_ID_MIN") or "1")
local hi = tonumber(os.getenv("BENCH_ID_MAX") or "10000")
local requests, count = {}, 0

-- At most this many ids, drawn at random from a larger range (SCALE=1000000 would
-- otherwise format a million requests per thread before the run).
local sample = 20000

local seed_random = init
function init(args)
   seed_random(args)
   if hi - lo + 1 <= sample then
      for id = lo, hi do
         count = count + 1
         requests[count] = wrk.format("GET", "/products/" .. id)
      end
   else
      for _ = 1, sample do
         count = count + 1
         requests[count] = wrk.format("GET", "/products/" .. math.random(lo, hi))
      end
   end
end

function request()
   return requests[math.random(count)]
end
