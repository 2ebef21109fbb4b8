-- ListUsers' Filter through indexes instead of reading every user of the pool. Each filterable
-- attribute gets a column of its own, written with the user: email and preferred_username
-- lower-cased (the application's toLowerCase; pools that compare them exactly check the exact
-- value among the folded matches), the others as they are. The application fills them for the
-- users already stored, in this migration's transaction (src/storage/postgres/migrate.ts).
-- src/storage/user-list.ts says why columns rather than indexes on expressions over the JSON.
-- Byte order ("C"), as SQLite compares: a prefix is then one range of the index, whatever the
-- database's locale.
ALTER TABLE users ADD COLUMN filter_email_folded TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN filter_phone_number TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN filter_name TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN filter_given_name TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN filter_family_name TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN filter_preferred_username_folded TEXT COLLATE "C";

-- Each ends with username_key, the list's order: an equality filter reads its page straight from
-- the index, after the cursor, with no sort. (username filters use users_username.) status and
-- id keep the database's collation; their indexes, and the queries, compare them in "C".
CREATE INDEX users_filter_email ON users(pool_id, filter_email_folded, username_key);
CREATE INDEX users_filter_phone_number ON users(pool_id, filter_phone_number, username_key);
CREATE INDEX users_filter_name ON users(pool_id, filter_name, username_key);
CREATE INDEX users_filter_given_name ON users(pool_id, filter_given_name, username_key);
CREATE INDEX users_filter_family_name ON users(pool_id, filter_family_name, username_key);
CREATE INDEX users_filter_preferred_username ON users(pool_id, filter_preferred_username_folded, username_key);
CREATE INDEX users_filter_status ON users(pool_id, status COLLATE "C", username_key);
CREATE INDEX users_filter_enabled ON users(pool_id, enabled, username_key);
CREATE INDEX users_filter_sub ON users(pool_id, id COLLATE "C");
