-- Only replies are in a thread's index: a message that is not one (most of them) costs no entry.
-- Every query on it names its thread (`"replyToId" = …`), which implies the index's condition.
-- DropIndex
DROP INDEX "Message_replyToId_seq_idx";

-- CreateIndex
CREATE INDEX "Message_replyToId_seq_idx" ON "Message"("replyToId", "seq") WHERE ("replyToId" IS NOT NULL);
