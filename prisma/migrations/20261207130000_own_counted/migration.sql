-- AlterTable
ALTER TABLE "Membership" ADD COLUMN "ownCountedAtMarker" INTEGER NOT NULL DEFAULT 0;

-- The messages written before count too: each author's in each room that count, where their
-- counters (see `ownCountedKey`) go on, and each member's own up to their marker.
INSERT INTO "ChangeStream" ("key", "seq")
SELECT 'chat:' || "roomId" || '#counted:' || "authorId", count(*) FROM "Message"
WHERE "kind" = 'user' AND "replyToId" IS NULL GROUP BY "roomId", "authorId";

UPDATE "Membership" SET "ownCountedAtMarker" = (
  SELECT count(*) FROM "Message"
  WHERE "Message"."roomId" = "Membership"."roomId" AND "Message"."authorId" = "Membership"."userId"
    AND "Message"."kind" = 'user' AND "Message"."replyToId" IS NULL AND "Message"."seq" <= "Membership"."readSeq"
);

-- DropIndex
DROP INDEX "Message_counted_author_idx";
