-- Full-text search over users' messages (`message:search`), written by hand: Prisma's schema
-- cannot describe an expression index. The 'simple' configuration (no stemming, no stop words)
-- matches words and their prefixes in any language, as SQLite's index does. A deleted message's
-- text is emptied, so its words leave the index with it.
CREATE INDEX "Message_search_idx" ON "Message" USING GIN (to_tsvector('simple', "text"));
