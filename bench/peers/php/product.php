<?php
// Benchmark reference, not part of the product: `make bench` runs this under PHP-FPM
// (8 children, pm = static) to compare Catalog with a plain PHP application doing the
// same work for GET /products/{id}: one query (Catalog's own statement, the product
// joined with its offers), the product as JSON with its offers embedded.
// A front controller as PHP applications have: nginx sends every request here.
declare(strict_types=1);

function problem(int $status, string $title): void
{
    http_response_code($status);
    header('Content-Type: application/problem+json');
    echo json_encode(['type' => 'about:blank', 'title' => $title, 'status' => $status]), "\n";
}

/// RFC 3339 UTC with whole seconds, as Catalog writes it, from PostgreSQL's text form
/// (the session's TimeZone is UTC: scripts/bench-peers.sh sets PGTZ).
function rfc3339(?string $t): ?string
{
    return $t === null ? null : str_replace(' ', 'T', substr($t, 0, 19)) . 'Z';
}

$path = parse_url($_SERVER['REQUEST_URI'] ?? '', PHP_URL_PATH);
if (!is_string($path) || !preg_match('~^/products/([1-9][0-9]{0,17})$~', $path, $m)) {
    problem(404, 'Not Found');
    return;
}

try {
    // One connection per child, kept across requests (as each Catalog worker keeps
    // one); libpq takes host, port, user, password and database from PG* variables.
    // Emulated prepares: one round trip per request, as Catalog (statements prepared
    // once per connection) and psycopg2 (parameters bound in the client) make. A native
    // PDO prepare lives only as long as its PDOStatement, i.e. one request, so it would
    // add a Parse and a DEALLOCATE to every request.
    $db = new PDO('pgsql:', null, null, [
        PDO::ATTR_PERSISTENT => true,
        PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
        PDO::ATTR_EMULATE_PREPARES => true,
    ]);
    $statement = $db->prepare(
        'SELECT p.id, p.name, p.description, p.price, p.created_at, p.updated_at, p.offers_synced_at,'
        . ' o.id, o.price, o.items_in_stock, o.updated_at'
        . ' FROM products p LEFT JOIN offers o ON o.product_id = p.id WHERE p.id = ?'
    );
    $statement->execute([(int) $m[1]]);
    $rows = $statement->fetchAll(PDO::FETCH_NUM);
} catch (PDOException $e) {
    problem(503, 'Service Unavailable');
    return;
}
if (!$rows) {
    problem(404, 'Not Found');
    return;
}

$offers = [];
foreach ($rows as $r) {
    if ($r[7] !== null) {
        $offers[] = ['id' => (int) $r[7], 'price' => (float) $r[8],
                     'items_in_stock' => (int) $r[9], 'updated_at' => rfc3339($r[10])];
    }
}
usort($offers, fn ($a, $b) => $a['id'] <=> $b['id']);
$p = $rows[0];
header('Content-Type: application/json');
echo json_encode([
    'id' => (int) $p[0], 'name' => $p[1], 'description' => $p[2], 'price' => (float) $p[3],
    'created_at' => rfc3339($p[4]), 'updated_at' => rfc3339($p[5]),
    'offers_synced_at' => rfc3339($p[6]), 'offers' => $offers,
], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
