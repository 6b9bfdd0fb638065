-- Fractional keys are only meaningful in byte order: the item's key compares in the "C"
-- collation, whatever the database's locale (a locale's collation puts "a0" before "Zz"), so
-- that `ORDER BY "position"` and `"position" > $1` on the ("listId", "position") index place an
-- item as SQLite does. Written by hand: Prisma's schema cannot describe a column's collation.
-- Changing the collation rebuilds the index.
ALTER TABLE "Item" ALTER COLUMN "position" SET DATA TYPE TEXT COLLATE "C";
