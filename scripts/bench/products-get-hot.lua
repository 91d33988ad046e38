-- GET /products/{id} over the 200 first seeded ids, anonymous: what nginx's response
-- cache answers (each entry is refreshed in the background once a second).
bench_hot = 200
dofile(os.getenv("BENCH_LUA_DIR") .. "/products-get.lua")
