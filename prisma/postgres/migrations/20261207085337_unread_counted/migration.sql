-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "countedUpTo" INTEGER;

-- CreateIndex
CREATE INDEX "Message_counted_author_idx" ON "Message"("roomId", "authorId", "seq") WHERE ("kind" = 'user' AND "replyToId" IS NULL);

-- CreateIndex
CREATE INDEX "Message_deleted_idx" ON "Message"("roomId", "seq") WHERE ("deletedAt" IS NOT NULL);

-- The messages written before count too: each room's that count, numbered in seq order, and the
-- rooms' counters (see `countedKey`) where the numbering goes on.
UPDATE "Message" SET "countedUpTo" = "counted"."number"
FROM (
  SELECT "id", row_number() OVER (PARTITION BY "roomId" ORDER BY "seq") AS "number"
  FROM "Message" WHERE "kind" = 'user' AND "replyToId" IS NULL
) AS "counted"
WHERE "Message"."id" = "counted"."id";

INSERT INTO "ChangeStream" ("key", "seq")
SELECT 'chat:' || "roomId" || '#counted', count(*) FROM "Message"
WHERE "kind" = 'user' AND "replyToId" IS NULL GROUP BY "roomId";
