# scripts/lib.sh — sourced by the project's scripts: the Swift toolchain, and throwaway
# stacks. Sets SWIFT (default `swift`) and, when it is not on PATH, adds the toolchain
# the machines ship at /opt/swift.
SWIFT=${SWIFT:-swift}
if ! command -v "$SWIFT" >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    PATH=$PATH:/opt/swift/usr/bin
fi

# build_tests — `swift build --build-tests`, with SWIFT_BUILD_ARGS (e.g. "--scratch-path
# .build-x") in BUILD_ARGS for the caller's later `swift build`/`swift test` calls too, and
# DEBUG_BIN set to the catalog binary of that build (TEST_BIN, when set, wins).
build_tests() {
    # shellcheck disable=SC2206
    BUILD_ARGS=(${SWIFT_BUILD_ARGS:-})
    echo "== swift build --build-tests ${BUILD_ARGS[*]}"
    "$SWIFT" build --build-tests "${BUILD_ARGS[@]}"
    DEBUG_BIN=${TEST_BIN:-.build/debug/catalog}
    if [[ -z ${TEST_BIN:-} && ${#BUILD_ARGS[@]} -gt 0 ]]; then
        DEBUG_BIN=$("$SWIFT" build --build-tests "${BUILD_ARGS[@]}" --show-bin-path)/catalog
    fi
}

# seed_products PSQL COUNT — COUNT products (description 'Seeded') in the database of
# DATABASE_URL, through the real tables (their defaults, indexes and triggers), then VACUUM
# ANALYZE; sets SEED_ID_MIN and SEED_ID_MAX to the seeded ids. What `make bench` and
# `make hostile` read. One INSERT … SELECT from generate_series: a million in ~2 minutes.
# Names are '<Adjective> <material> <noun> <8 hex digits>' (100 words per slot), so a word
# such as 'copper' is in 1 % of the names, a hex fragment such as 'beef' in ~0.008 %, and
# 'zzqx' in none (the search rows of `make bench`). Every 100th product gets 3 offers.
seed_products() {
    "$1" "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -v count="$2" <<'SQL'
-- A million rows outlast the API's statement timeout, which `catalog migrate` sets on the
-- database (0010): a seed is maintenance work, not a request.
SET statement_timeout = 0;
WITH words AS (
    SELECT string_to_array('amber,arctic,azure,bold,brave,bright,brisk,calm,clever,cosmic,crimson,crisp,dapper,daring,deep,dusty,eager,early,elegant,epic,fancy,fierce,gentle,giant,golden,grand,happy,hardy,humble,icy,jolly,keen,kind,lively,lucky,lunar,magic,mellow,mighty,misty,modern,noble,nimble,olive,polar,proud,quick,quiet,rapid,regal,robust,royal,rustic,scarlet,serene,sharp,shiny,silent,silver,simple,sleek,smart,smooth,snowy,solar,solid,sonic,speedy,spicy,stable,stark,steady,stellar,stormy,sturdy,sunny,super,swift,tidy,tiny,urban,valiant,velvet,vintage,violet,vivid,warm,wild,windy,wise,witty,woody,young,zesty,zippy,ultra,prime,neon,retro,plush', ',') AS adjective,
           string_to_array('acrylic,aluminium,bamboo,basalt,birch,brass,bronze,canvas,carbon,cedar,ceramic,chrome,clay,cobalt,concrete,copper,cork,cotton,denim,ebony,felt,fleece,flint,glass,granite,graphite,hemp,iron,ivory,jade,jute,kevlar,lace,lacquer,leather,linen,maple,marble,mesh,mohair,nickel,nylon,oak,obsidian,onyx,opal,paper,pearl,pewter,pine,plaster,plastic,platinum,plywood,porcelain,quartz,rattan,resin,rope,rubber,sandstone,satin,shale,silk,slate,steel,stone,suede,teak,terracotta,tin,titanium,topaz,tweed,vinyl,walnut,wax,wicker,willow,wool,zinc,agate,alder,ash,beech,cherry,elm,hickory,larch,mahogany,poplar,spruce,tungsten,velour,chenille,corduroy,gauze,muslin,organza,tulle', ',') AS material,
           string_to_array('anvil,apron,backpack,basket,bench,blanket,bottle,bowl,bracelet,broom,bucket,cabinet,candle,carafe,chair,chisel,clock,coaster,comb,cup,cushion,desk,dish,drawer,easel,fan,flask,fork,frame,funnel,globe,glove,grater,hammer,hanger,hat,helmet,hook,jar,jug,kettle,key,ladder,ladle,lamp,lantern,lens,mallet,mat,mirror,mug,napkin,needle,notebook,pan,pen,pencil,pillow,pitcher,planter,plate,pot,pouch,quilt,rack,rake,razor,ruler,rug,satchel,saucer,scarf,scissors,shelf,shovel,sieve,skillet,sofa,spatula,spoon,stool,strainer,table,teapot,thermos,tray,trowel,tumbler,umbrella,vase,wallet,whisk,wrench,yoyo,zipper,tongs,sponge,towel,trunk,kite', ',') AS noun
), seeded AS (
    INSERT INTO products (name, description, price)
    SELECT initcap(w.adjective[1 + (g * 7919) % 100]) || ' ' || w.material[1 + (g * 104729 / 100) % 100] || ' '
           || w.noun[1 + (g * 15485863 / 10000) % 100] || ' ' || lpad(to_hex((g * 2654435761) % 4294967296), 8, '0'),
           'Seeded', (g % 10000) / 100.0
    FROM words w, generate_series(1::bigint, :count) g
    RETURNING id
)
INSERT INTO offers (id, product_id, price, items_in_stock)
SELECT gen_random_uuid(), s.id, 100 + (s.id * 37 + k) % 10000, (s.id + k) % 50
FROM seeded s, generate_series(1, 3) k
WHERE s.id % 100 = 0;
VACUUM ANALYZE products, offers;  -- current statistics for both, as autovacuum would leave them
SQL
    read -r SEED_ID_MIN SEED_ID_MAX < <("$1" "$DATABASE_URL" -X -q -At -F ' ' \
        -c "SELECT min(id), max(id) FROM products WHERE description = 'Seeded'")
    [[ $SEED_ID_MIN =~ ^[0-9]+$ && $SEED_ID_MAX =~ ^[0-9]+$ ]] || { echo "seed_products: no seeded products" >&2; return 1; }
}

# build_release SKIP — `swift build -c release` (not when SKIP is 1), with SWIFT_BUILD_ARGS in
# BUILD_ARGS as for build_tests, and RELEASE_BIN set to the catalog binary of that build.
build_release() {
    # shellcheck disable=SC2206
    BUILD_ARGS=(${SWIFT_BUILD_ARGS:-})
    if [[ ${1:-0} != 1 ]]; then
        echo "== swift build -c release ${BUILD_ARGS[*]}"
        "$SWIFT" build -c release "${BUILD_ARGS[@]}"
    fi
    RELEASE_BIN=$("$SWIFT" build -c release "${BUILD_ARGS[@]}" --show-bin-path)/catalog
}

# throwaway_run_dir NAME KEEP_VAR — makes RUN_DIR (TMPDIR/catalog-NAME.XXXXXX) for a
# throwaway stack and arranges that, however the script ends (INT and TERM included),
# the stack in it is stopped and the directory removed — kept instead when the variable
# named KEEP_VAR is 1 (for reading its logs). Callers run from the repository root.
throwaway_run_dir() {
    _throwaway_name=$1
    _throwaway_keep=$2
    RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/catalog-$1.XXXXXX")
    trap _throwaway_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

_throwaway_cleanup() {
    scripts/stack.sh down "$RUN_DIR" >/dev/null 2>&1 || true
    if [[ ${!_throwaway_keep:-0} == 1 ]]; then
        echo "$_throwaway_name: run dir kept: $RUN_DIR" >&2
    else
        rm -rf -- "$RUN_DIR"
    fi
}

# replace_dir NEW DEST — puts the finished tree NEW (built beside DEST, on the same file
# system) in DEST's place with two renames, so nginx never serves half a copy, then
# removes the old tree. What docs-install.sh and web-install.sh end with.
replace_dir() {
    local new=$1 dest=$2 old=""
    if [[ -e $dest ]]; then
        old=$(mktemp -d "$(dirname -- "$dest")/.old.XXXXXX")
        rmdir -- "$old"
        mv -- "$dest" "$old"
    fi
    mv -- "$new" "$dest"
    if [[ -n $old ]]; then rm -rf -- "$old"; fi
    return 0
}

# browser_check NAME [RUN_DIR] — what the headless-browser checks (docs-check.sh,
# page-check.sh) need before their Python part: Debian's headless Chromium, the tools
# venv (websocket-client) in VENV, and a stack: RUN_DIR's, or else a throwaway one with
# $CHECK_BIN (default .build/debug/catalog); its catalog.env is sourced. Sets VENV and
# RUN_DIR. Callers run from the repository root.
browser_check() {
    local name=$1
    shift
    if ! command -v chromium-headless-shell >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
        echo "$name: no headless Chromium; install Debian's chromium-headless-shell (make deps-test)" >&2
        exit 1
    fi
    VENV=$(scripts/py-venv.sh tools scripts/contract-requirements.txt)
    if [[ $# -ge 1 ]]; then
        RUN_DIR=$(cd -- "$1" && pwd -P)
    else
        throwaway_run_dir "$name" KEEP_RUN_DIR
        scripts/stack.sh up "$RUN_DIR" --bin "${CHECK_BIN:-.build/debug/catalog}"
    fi
    [[ -r $RUN_DIR/catalog.env ]] || { echo "$name: no stack in $RUN_DIR (no catalog.env)" >&2; exit 1; }
    # shellcheck disable=SC1091
    . "$RUN_DIR/catalog.env"
    export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}"
    export no_proxy="$NO_PROXY"
}
