-- The sandbox source: a small shop. Deterministic (no RAND) so row counts and checksums are stable.
-- customers <- orders <- order_items -> products are linked by foreign keys (one DMS task must hold them all);
-- reviews links products and customers too; page_views is the big, unlinked, append-only table;
-- newsletter_signups is unlinked and not yet replicated (the demo onboards it); audit_log has no primary key.
CREATE DATABASE IF NOT EXISTS shop;
USE shop;

CREATE TABLE customers (
  id INT PRIMARY KEY,
  email VARCHAR(120) NOT NULL UNIQUE,
  full_name VARCHAR(120) NOT NULL,
  country CHAR(2) NOT NULL,
  created_at DATETIME NOT NULL
) ENGINE=InnoDB;

CREATE TABLE products (
  id INT PRIMARY KEY,
  sku VARCHAR(32) NOT NULL UNIQUE,
  name VARCHAR(120) NOT NULL,
  category ENUM('skincare','makeup','fragrance','haircare','bodycare') NOT NULL,
  price DECIMAL(10,2) NOT NULL
) ENGINE=InnoDB;

CREATE TABLE orders (
  id INT PRIMARY KEY,
  customer_id INT NOT NULL,
  status ENUM('pending','paid','shipped','delivered','cancelled') NOT NULL,
  total DECIMAL(12,2) NOT NULL,
  order_date DATE NOT NULL,
  created_at DATETIME NOT NULL,
  KEY idx_orders_date (order_date),
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE order_items (
  id INT PRIMARY KEY,
  order_id INT NOT NULL,
  product_id INT NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(10,2) NOT NULL,
  CONSTRAINT fk_items_order FOREIGN KEY (order_id) REFERENCES orders (id),
  CONSTRAINT fk_items_product FOREIGN KEY (product_id) REFERENCES products (id)
) ENGINE=InnoDB;

CREATE TABLE reviews (
  id INT PRIMARY KEY,
  product_id INT NOT NULL,
  customer_id INT NOT NULL,
  rating TINYINT NOT NULL,
  body VARCHAR(500) NOT NULL,
  created_at DATETIME NOT NULL,
  CONSTRAINT fk_reviews_product FOREIGN KEY (product_id) REFERENCES products (id),
  CONSTRAINT fk_reviews_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;

CREATE TABLE page_views (
  id BIGINT PRIMARY KEY,
  customer_id INT NULL,
  product_id INT NOT NULL,
  device ENUM('desktop','mobile','tablet') NOT NULL,
  viewed_at DATETIME NOT NULL,
  view_date DATE NOT NULL,
  KEY idx_views_date (view_date)
) ENGINE=InnoDB;

CREATE TABLE newsletter_signups (
  id INT PRIMARY KEY,
  email VARCHAR(120) NOT NULL,
  source ENUM('footer','checkout','popup') NOT NULL,
  signed_up_on DATE NOT NULL
) ENGINE=InnoDB;

CREATE TABLE audit_log (
  happened_at DATETIME NOT NULL,
  actor VARCHAR(64) NOT NULL,
  action VARCHAR(64) NOT NULL
) ENGINE=InnoDB;

-- Dates span 2026-06-01 .. 2026-08-29 (90 days), all in the past.
INSERT INTO customers
SELECT seq, CONCAT('customer', seq, '@example.com'), CONCAT('Customer ', seq),
       ELT(1 + seq % 5, 'FR', 'BE', 'CH', 'DE', 'ES'),
       TIMESTAMP('2026-01-01') + INTERVAL (seq * 97) MINUTE
FROM seq_1_to_5000;

INSERT INTO products
SELECT seq, CONCAT('SKU-', LPAD(seq, 5, '0')), CONCAT('Product ', seq),
       ELT(1 + seq % 5, 'skincare', 'makeup', 'fragrance', 'haircare', 'bodycare'),
       ROUND(5 + (seq * 37 % 9500) / 100, 2)
FROM seq_1_to_500;

INSERT INTO orders
SELECT seq, 1 + (seq * 7919) % 5000,
       ELT(1 + (seq * 31) % 5, 'pending', 'paid', 'shipped', 'delivered', 'cancelled'),
       ROUND(10 + (seq * 53 % 30000) / 100, 2),
       DATE('2026-06-01') + INTERVAL (seq % 90) DAY,
       TIMESTAMP('2026-06-01') + INTERVAL (seq % 90) DAY + INTERVAL (seq * 13 % 86400) SECOND
FROM seq_1_to_20000;

INSERT INTO order_items
SELECT seq, 1 + (seq - 1) DIV 2, 1 + (seq * 131) % 500, 1 + seq % 4, ROUND(5 + (seq * 37 % 9500) / 100, 2)
FROM seq_1_to_40000;

INSERT INTO reviews
SELECT seq, 1 + (seq * 17) % 500, 1 + (seq * 29) % 5000, 1 + seq % 5, CONCAT('Review number ', seq),
       TIMESTAMP('2026-06-01') + INTERVAL (seq * 1777) SECOND
FROM seq_1_to_3000;

INSERT INTO page_views
SELECT seq, IF(seq % 4 = 0, NULL, 1 + (seq * 7) % 5000), 1 + (seq * 11) % 500,
       ELT(1 + seq % 3, 'desktop', 'mobile', 'tablet'),
       TIMESTAMP('2026-06-01') + INTERVAL (seq % 90) DAY + INTERVAL (seq * 7 % 86400) SECOND,
       DATE('2026-06-01') + INTERVAL (seq % 90) DAY
FROM seq_1_to_120000;

INSERT INTO newsletter_signups
SELECT seq, CONCAT('reader', seq, '@example.com'), ELT(1 + seq % 3, 'footer', 'checkout', 'popup'),
       DATE('2026-06-01') + INTERVAL (seq % 90) DAY
FROM seq_1_to_2500;

INSERT INTO audit_log
SELECT TIMESTAMP('2026-06-01') + INTERVAL seq HOUR, CONCAT('user', seq % 7), ELT(1 + seq % 3, 'login', 'export', 'refund')
FROM seq_1_to_200;
