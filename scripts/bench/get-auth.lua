-- GET of the URL wrk was given, with Authorization: $BENCH_AUTH_HEADER, so that no cache
-- could answer it (the search rows of `make bench`). Formatted once per thread, as
-- products-get.lua does, so wrk's own CPU per request stays that of a static request.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local auth = os.getenv("BENCH_AUTH_HEADER")
local formatted

local seed_random = init
function init(args)
   seed_random(args)
   formatted = wrk.format("GET", nil, { ["Authorization"] = auth })
end

function request()
   return formatted
end
