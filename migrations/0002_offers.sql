-- Offers of a product, as last synced from the external offers service. The set for a
-- product is replaced as a whole by the sync job; offers go with their product.
CREATE TABLE offers (
    id             uuid PRIMARY KEY,
    product_id     bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    price          bigint NOT NULL CHECK (price >= 0),
    items_in_stock integer NOT NULL CHECK (items_in_stock >= 0),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX offers_product_id_idx ON offers (product_id, id);
