-- AlterTable
ALTER TABLE "Board" ADD COLUMN "playerCount" INTEGER NOT NULL DEFAULT 0;

-- Every board's players not removed, counted once.
UPDATE "Board" SET "playerCount" = (
  SELECT count(*) FROM "Player" WHERE "Player"."boardId" = "Board"."id" AND "Player"."removedAt" IS NULL
);
