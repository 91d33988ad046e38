-- GET /products/{id} with a random id per request in [BENCH_ID_MIN, BENCH_ID_MAX]
-- (bench.sh sets them to the seeded range; default 1..10000). One script for every
-- target that answers this path: Catalog, anonymous or with -H "Authorization: ...",
-- and make bench's peers (bench/peers/), so wrk does the same work for each of them.
-- Headers given with wrk -H are sent on every request. Wrappers may set, before loading
-- this file: bench_hot = N (only the first N ids: the hot set a cache keeps) and
-- bench_headers (e.g. Cache-Control: no-cache, past nginx's response cache).
--
-- BENCH_FORMAT says how the requests are made, and must be set (the choice changes the
-- figures, so it is never a silent default):
--   each  wrk.format() on every call, as a wrk script for a real API does. make bench
--         uses this for every target: comparing Catalog with its peers, each target pays
--         the load generator's cost the same way.
--   once  every id's request formatted once per thread in init(); request() only picks
--         one. wrk runs on the same two cores as the stack it measures, and formatting
--         per call (wrk.format builds a header table and concatenates strings) cost
--         ~3.5 µs of CPU per request (measured: wrk 28 → 24.7 µs) that a static
--         request does not pay. make hostile uses this (its figures are ratios to its
--         own baseline).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local lo = tonumber(os.getenv("BENCH_ID_MIN") or "1")
local hi = tonumber(os.getenv("BENCH_ID_MAX") or "10000")
if bench_hot then hi = math.min(hi, lo + bench_hot - 1) end
local mode = os.getenv("BENCH_FORMAT")
if mode ~= "each" and mode ~= "once" then
   error("products-get.lua: set BENCH_FORMAT to each or once, not " .. tostring(mode))
end

local requests, count = {}, 0
-- With BENCH_FORMAT=once, at most this many ids, drawn at random from a larger range
-- (SCALE=1000000 would otherwise format a million requests per thread before the run).
local sample = 20000

local seed_random = init
function init(args)
   seed_random(args)
   if mode == "once" then
      if hi - lo + 1 <= sample then
         for id = lo, hi do
            count = count + 1
            requests[count] = wrk.format("GET", "/products/" .. id, bench_headers)
         end
      else
         for _ = 1, sample do
            count = count + 1
            requests[count] = wrk.format("GET", "/products/" .. math.random(lo, hi), bench_headers)
         end
      end
   end
end

if mode == "once" then
   function request()
      return requests[math.random(count)]
   end
else
   function request()
      return wrk.format("GET", "/products/" .. math.random(lo, hi), bench_headers)
   end
end
