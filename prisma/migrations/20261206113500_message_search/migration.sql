-- Full-text search over users' messages (`message:search`), written by hand: Prisma's schema
-- cannot describe an FTS5 table. The index holds no copy of the text (contentless, with deletes):
-- its rows are the Message rows' rowids, kept in step by the triggers below. A deleted message
-- (its text emptied) leaves the index, so its words are found no more. A migration that
-- redefines "Message" (a new table copied over) must recreate these triggers and rebuild the
-- index with the last statement of this file.
CREATE VIRTUAL TABLE "MessageSearch" USING fts5(
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER "Message_search_insert" AFTER INSERT ON "Message"
WHEN new."kind" = 'user' AND new."deletedAt" IS NULL
BEGIN
    INSERT INTO "MessageSearch" (rowid, text) VALUES (new.rowid, new."text");
END;

CREATE TRIGGER "Message_search_update" AFTER UPDATE OF "text", "deletedAt" ON "Message"
WHEN old."kind" = 'user'
BEGIN
    DELETE FROM "MessageSearch" WHERE rowid = old.rowid;
    INSERT INTO "MessageSearch" (rowid, text) SELECT new.rowid, new."text" WHERE new."deletedAt" IS NULL;
END;

CREATE TRIGGER "Message_search_delete" AFTER DELETE ON "Message"
WHEN old."kind" = 'user'
BEGIN
    DELETE FROM "MessageSearch" WHERE rowid = old.rowid;
END;

INSERT INTO "MessageSearch" (rowid, text)
SELECT rowid, "text" FROM "Message" WHERE "kind" = 'user' AND "deletedAt" IS NULL;
