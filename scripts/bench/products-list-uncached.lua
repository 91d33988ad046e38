-- GET /products?limit=20 past nginx's response cache (Cache-Control: no-cache).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local req
local seed_random = init
function init(args)
   seed_random(args)
   req = wrk.format("GET", "/products?limit=20", { ["Cache-Control"] = "no-cache" })
end

function request()
   return req
end
