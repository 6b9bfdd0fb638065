-- Replies and threads, written as Prisma diffs them (its diff stops at the external table of the
-- message search index).
-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "lastReplyAt" TIMESTAMP(3),
ADD COLUMN     "latestRepliers" TEXT,
ADD COLUMN     "replyCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "replyToId" TEXT;

-- CreateIndex
CREATE INDEX "Message_replyToId_seq_idx" ON "Message"("replyToId", "seq");
