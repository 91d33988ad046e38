-- GET /products/{random id} past nginx's response cache (Cache-Control: no-cache): the
-- worker and PostgreSQL path, comparable with the figures measured before the cache.
bench_headers = { ["Cache-Control"] = "no-cache" }
dofile(os.getenv("BENCH_LUA_DIR") .. "/products-get.lua")
