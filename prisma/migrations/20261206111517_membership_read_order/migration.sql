-- CreateIndex
CREATE INDEX "Membership_roomId_readSeq_joinedAt_userId_idx" ON "Membership"("roomId", "readSeq" DESC, "joinedAt", "userId");
