-- New messages enter the search index once per transaction, written by the server for all the
-- transaction's messages at once (`indexNewMessages` in apps/api/src/db/dialect.ts), instead of
-- by a trigger per row: with terms pending in FTS5, each later statement of the transaction made
-- FTS5 write them out first, one small index segment per message. Edits and deletes keep their
-- triggers. A migration that redefines "Message" must recreate those two, not this one.
DROP TRIGGER "Message_search_insert";
