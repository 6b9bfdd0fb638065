-- Replies and threads. Columns are added in place rather than by redefining "Message" (what the
-- diff proposes): a copied table would renumber the rowids that the message search index
-- (`…_message_search`) is keyed by, and drop its triggers.
ALTER TABLE "Message" ADD COLUMN "replyToId" TEXT;
ALTER TABLE "Message" ADD COLUMN "replyCount" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Message" ADD COLUMN "lastReplyAt" DATETIME;
ALTER TABLE "Message" ADD COLUMN "latestRepliers" TEXT;

-- CreateIndex
CREATE INDEX "Message_replyToId_seq_idx" ON "Message"("replyToId", "seq");
