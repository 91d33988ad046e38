-- POST /products with a small JSON body; price is a JSON number with two decimals.
-- If BENCH_AUTH_HEADER is set (e.g. "Bearer <admin token>"), it is sent as
-- Authorization (creating products needs an admin).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local auth = os.getenv("BENCH_AUTH_HEADER")

function request()
   local headers = { ["Content-Type"] = "application/json" }
   if auth and auth ~= "" then
      headers["Authorization"] = auth
   end
   local body = string.format('{"name":"bench","description":"x","price":%d.%02d}',
                              math.random(0, 9999), math.random(0, 99))
   return wrk.format("POST", "/products", headers, body)
end
