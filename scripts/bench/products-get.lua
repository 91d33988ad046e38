-- GET /products/{id} with a random id per request in [BENCH_ID_MIN, BENCH_ID_MAX]
-- (bench.sh sets them to the seeded range; default 1..10000).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local lo = tonumber(os.getenv("BENCH_ID_MIN") or "1")
local hi = tonumber(os.getenv("BENCH_ID_MAX") or "10000")

function request()
   return wrk.format("GET", "/products/" .. math.random(lo, hi))
end
