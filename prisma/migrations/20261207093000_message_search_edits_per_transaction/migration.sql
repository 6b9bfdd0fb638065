-- Edited and deleted messages enter or leave the search index once per transaction too, written by
-- the server for all of the transaction's edits and deletes at once (`reindexMessages` in
-- apps/api/src/db/dialect.ts), instead of by a trigger per row, which left their terms pending in
-- FTS5 for every later statement of the transaction to write out (see
-- 20261206143000_message_search_per_transaction). A message deleted outright (a room's rows going
-- with it) still leaves the index by its trigger. A migration that redefines "Message" must
-- recreate that one only.
DROP TRIGGER "Message_search_update";
