-- GET /products/{random id} signed in (Authorization: $BENCH_AUTH_HEADER, the stack's
-- admin): nginx's cache never answers a request that carries Authorization, so this is
-- the whole uncached path of a signed-in reader — the token check and the read.
bench_headers = { ["Authorization"] = os.getenv("BENCH_AUTH_HEADER") }
dofile(os.getenv("BENCH_LUA_DIR") .. "/products-get.lua")
